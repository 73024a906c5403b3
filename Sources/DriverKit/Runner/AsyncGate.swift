import Synchronization

/// An async mutex: executions in one session run one at a time, in arrival order. A waiter whose Task is
/// cancelled leaves the queue at once.
public final class AsyncGate: Sendable {
    private struct State {
        var busy = false
        var nextToken: UInt64 = 0
        var waiters: [(token: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        var cancelledEarly: Set<UInt64> = []
    }
    private let state = Mutex(State())

    public init() {}

    /// True once the gate is held; false if the Task was cancelled while waiting (the gate is not held).
    public func acquire() async -> Bool {
        let token = state.withLock { s -> UInt64? in
            if !s.busy { s.busy = true; return nil }  // uncontended: no suspension
            s.nextToken += 1
            return s.nextToken
        }
        guard let token else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool? in
                    if s.cancelledEarly.remove(token) != nil { return false }
                    if !s.busy { s.busy = true; return true }
                    s.waiters.append((token, c))
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                if let i = s.waiters.firstIndex(where: { $0.token == token }) {
                    return s.waiters.remove(at: i).continuation
                }
                s.cancelledEarly.insert(token)
                return nil
            }
            c?.resume(returning: false)
        }
    }

    public func release() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            s.cancelledEarly.removeAll()
            if s.waiters.isEmpty { s.busy = false; return nil }
            return s.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
