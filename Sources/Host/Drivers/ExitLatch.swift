import Synchronization

/// Fires once with a driver's exit; any number of tasks can wait for it, and a waiting task can be cancelled
/// (it then gets nil), so waits can race timeouts without leaking continuations.
final class ExitLatch: Sendable {
    private struct State {
        var value: DriverExit?
        var waiters: [Int: CheckedContinuation<DriverExit?, Never>] = [:]
        var cancelled: Set<Int> = []
        var next = 0
    }
    private let state = Mutex(State())

    var value: DriverExit? { state.withLock { $0.value } }

    func fire(_ exit: DriverExit) {
        let waiters = state.withLock { s -> [CheckedContinuation<DriverExit?, Never>] in
            guard s.value == nil else { return [] }
            s.value = exit
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume(returning: exit) }
    }

    /// The exit, or nil if the waiting task was cancelled first.
    func wait() async -> DriverExit? {
        let token = state.withLock { s -> Int in
            s.next += 1; return s.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<DriverExit?, Never>) in
                let immediate = state.withLock { s -> DriverExit?? in
                    if let v = s.value { return .some(v) }
                    if s.cancelled.remove(token) != nil { return .some(nil) }
                    s.waiters[token] = c
                    return .none
                }
                if let r = immediate { c.resume(returning: r) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<DriverExit?, Never>? in
                if let c = s.waiters.removeValue(forKey: token) { return c }
                if s.value == nil { s.cancelled.insert(token) }
                return nil
            }
            c?.resume(returning: nil)
        }
    }

    /// The exit, or nil if it did not come within `seconds`.
    func wait(seconds: Double) async -> DriverExit? {
        if let v = value { return v }
        return await withTaskGroup(of: DriverExit?.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds)); return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? value
        }
    }
}
