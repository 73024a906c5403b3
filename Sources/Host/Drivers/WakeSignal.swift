import Synchronization

/// A one-waiter async signal with a timeout: the supervisor of a failed driver sleeps on it until an operator
/// revives the driver (SIGHUP) or the cool-down passes. A `fire()` with nobody waiting is kept for the next wait.
final class WakeSignal: Sendable {
    private struct State {
        var fired = false
        var waiter: CheckedContinuation<Bool, Never>?
    }
    private let state = Mutex(State())

    func fire() {
        let c = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            guard let w = s.waiter else { s.fired = true; return nil }
            s.waiter = nil
            return w
        }
        c?.resume(returning: true)
    }

    /// True if fired; false when `timeout` seconds passed (nil: no timeout) or the Task was cancelled.
    func wait(timeout: Double?) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitFired() }
            if let timeout {
                group.addTask {
                    try? await Task.sleep(for: .seconds(timeout)); return false
                }
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func waitFired() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool? in
                    if s.fired { s.fired = false; return true }
                    s.waiter = c
                    return nil
                }
                if let now { c.resume(returning: now); return }
                if Task.isCancelled { dropWaiter() }
            }
        } onCancel: {
            dropWaiter()
        }
    }

    private func dropWaiter() {
        let c = state.withLock { s in
            defer { s.waiter = nil }; return s.waiter
        }
        c?.resume(returning: false)
    }
}
