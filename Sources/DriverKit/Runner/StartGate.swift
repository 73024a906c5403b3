import Glibc
import Synchronization

/// The driver process's gate for runner starts (`StartQueue` plus callbacks and deadline timers). A start
/// runs its `begin` closure once admitted and must call `finished()` once (ready or dead); a queued start
/// whose deadline passes gets `expired` with a reason instead. Sized to the CPU count by default
/// (`CODEBEAKER_RUNNER_START_SLOTS`); queued starts wait up to `CODEBEAKER_RUNNER_START_QUEUE_SECONDS` (270 s).
public final class StartGate: Sendable {
    public typealias Begin = @Sendable () -> Void
    public typealias Expired = @Sendable (_ reason: String) -> Void

    private struct State {
        var queue: StartQueue
        var nextId: UInt64 = 0
        var callbacks: [UInt64: (begin: Begin, expired: Expired)] = [:]
    }

    public static let shared = StartGate(limit: defaultLimit(), queueTimeoutMs: defaultQueueTimeoutMs())

    public let limit: Int
    public let queueTimeoutMs: Int64
    private let now: @Sendable () -> Int64
    private let state: Mutex<State>

    public init(limit: Int, queueTimeoutMs: Int64, now: @escaping @Sendable () -> Int64 = MonotonicClock.nowMs) {
        self.limit = max(1, limit); self.queueTimeoutMs = queueTimeoutMs; self.now = now
        state = Mutex(State(queue: StartQueue(limit: limit)))
    }

    /// Asks for a start slot. `begin` runs now (on this thread) or later (on the thread of the `finished()` that
    /// freed the slot); returns the ticket, to `cancel` a start that is no longer wanted.
    @discardableResult
    public func enter(urgent: Bool = false, begin: @escaping Begin, expired: @escaping Expired) -> UInt64 {
        let (id, admission) = state.withLock { s -> (UInt64, StartQueue.Admission) in
            s.nextId += 1
            let a = s.queue.request(id: s.nextId, deadline: now() + queueTimeoutMs, urgent: urgent)
            if case .queued = a { s.callbacks[s.nextId] = (begin, expired) }
            return (s.nextId, a)
        }
        switch admission {
        case .start:
            begin()
        case .queued:
            let wait = queueTimeoutMs
            Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(wait))
                self?.expireDue()
            }
        }
        return id
    }

    /// A start admitted by this gate ended (ready, or died before): the next queued one begins.
    public func finished() {
        let (next, expired) = state.withLock { s -> ((UInt64, Begin)?, [(UInt64, Expired)]) in
            let r = s.queue.release(now: now())
            let gone = r.expired.compactMap { id in s.callbacks.removeValue(forKey: id).map { (id, $0.expired) } }
            let next = r.started.flatMap { id in s.callbacks.removeValue(forKey: id).map { (id, $0.begin) } }
            return (next, gone)
        }
        for (_, e) in expired { e(expiredReason) }
        next?.1()
    }

    /// Withdraws a queued start; false if it already began (then it must still call `finished()`).
    public func cancel(_ id: UInt64) -> Bool {
        state.withLock { s in
            guard s.queue.cancel(id: id) else { return false }
            s.callbacks[id] = nil
            return true
        }
    }

    /// Starts running and queued now.
    public var load: (running: Int, queued: Int) { state.withLock { ($0.queue.running, $0.queue.waiting.count) } }

    private var expiredReason: String {
        "no sandbox start slot within \(queueTimeoutMs / 1000) s (\(limit) start\(limit == 1 ? "" : "s") at a time, \(load.queued) still queued): the machine is overloaded; try again later"
    }

    private func expireDue() {
        let gone = state.withLock { s in
            s.queue.expire(now: now()).compactMap { id in s.callbacks.removeValue(forKey: id)?.expired }
        }
        for e in gone { e(expiredReason) }
    }

    static func defaultLimit() -> Int {
        if let v = getenv("CODEBEAKER_RUNNER_START_SLOTS").flatMap({ Int(String(cString: $0)) }), v > 0 { return v }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    static func defaultQueueTimeoutMs() -> Int64 {
        if let v = getenv("CODEBEAKER_RUNNER_START_QUEUE_SECONDS").flatMap({ Double(String(cString: $0)) }), v > 0 {
            return Int64(v * 1000)
        }
        return 270_000
    }
}
