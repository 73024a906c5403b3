/// Exact sliding-window limit: remembers the times of the admitted events of the last `window` seconds
/// (at most `limit` of them), so "retry after" is exact: when the oldest one leaves the window.
struct SlidingWindowLog: Sendable, Equatable {
    private var stamps: [Double] = []
    private var head = 0

    var count: Int { stamps.count - head }

    /// Admits one event at `now`, or returns the seconds until one fits.
    mutating func admit(now: Double, limit: Int, window: Double) -> Double? {
        if let wait = check(now: now, limit: limit, window: window) { return wait }
        record(now: now)
        return nil
    }

    /// The seconds until one more event fits, or nil if it fits now (records nothing).
    mutating func check(now: Double, limit: Int, window: Double) -> Double? {
        prune(now: now, window: window)
        guard count >= limit else { return nil }
        // With a lowered limit several may have to leave; the one that frees a slot is count-limit from the front.
        return max(0.001, stamps[head + count - limit] + window - now)
    }

    /// Records an event that `check` admitted.
    mutating func record(now: Double) { stamps.append(now) }

    /// Forgets events older than the window; releases memory when none are left.
    mutating func prune(now: Double, window: Double) {
        while head < stamps.count && stamps[head] <= now - window { head += 1 }
        if head == stamps.count {
            stamps.removeAll(keepingCapacity: false); head = 0
        } else if head > 64 && head * 2 > stamps.count {
            stamps.removeFirst(head); head = 0
        }
    }
}
