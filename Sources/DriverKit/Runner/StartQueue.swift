/// Admission for sandbox/runner starts as a pure state machine (times injected, in ms): at most `limit` starts
/// run at once, the rest wait in arrival order, and a waiter whose deadline passes is dropped with a reason.
/// Starting 500 interpreters at once on 2 cores makes every one of them slower than its ready timeout; started
/// a few at a time, each is quick and the queue drains.
public struct StartQueue: Sendable, Equatable {
    public struct Waiter: Sendable, Equatable {
        public let id: UInt64
        public let deadline: Int64
        public var urgent = false
    }

    public enum Admission: Sendable, Equatable {
        case start
        /// Queued with this many waiters ahead of it.
        case queued(ahead: Int)
    }

    public let limit: Int
    public private(set) var running = 0
    public private(set) var waiting: [Waiter] = []

    public init(limit: Int) { self.limit = max(1, limit) }

    /// A start wants a slot; `deadline` is when it stops waiting for one. An `urgent` start (the restart of a
    /// runner a live session uses, with a job waiting for it under the host's deadline) queues behind the
    /// other urgent ones but ahead of first starts of new sessions, whose opens can wait longer.
    public mutating func request(id: UInt64, deadline: Int64, urgent: Bool = false) -> Admission {
        if running < limit && waiting.isEmpty {
            running += 1
            return .start
        }
        let at = urgent ? (waiting.firstIndex { !$0.urgent } ?? waiting.count) : waiting.count
        waiting.insert(Waiter(id: id, deadline: deadline, urgent: urgent), at: at)
        return .queued(ahead: at)
    }

    /// A start finished (ready or failed): its slot goes to the oldest waiter whose deadline has not passed.
    /// Returns that waiter (now running) and the ones that expired on the way.
    public mutating func release(now: Int64) -> (started: UInt64?, expired: [UInt64]) {
        running = max(0, running - 1)
        let expired = expire(now: now)
        guard running < limit, !waiting.isEmpty else { return (nil, expired) }
        running += 1
        return (waiting.removeFirst().id, expired)
    }

    /// Drops waiters whose deadline has passed; returns them.
    public mutating func expire(now: Int64) -> [UInt64] {
        let gone = waiting.filter { $0.deadline <= now }.map(\.id)
        if !gone.isEmpty { waiting.removeAll { $0.deadline <= now } }
        return gone
    }

    /// A waiter that no longer wants to start (its session closed). False if it was not waiting.
    public mutating func cancel(id: UInt64) -> Bool {
        guard let i = waiting.firstIndex(where: { $0.id == id }) else { return false }
        waiting.remove(at: i)
        return true
    }

    public func position(of id: UInt64) -> Int? { waiting.firstIndex { $0.id == id } }
}
