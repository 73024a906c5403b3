import Synchronization

/// Executions and shells of one session run one at a time in the order their requests arrived on stdin. Each
/// request gets its own Task, and Tasks may start in any order, so the order is taken on the reader thread
/// (`arrive`) and each Task waits for its `turn`. A request cancelled while it waits leaves the line at once.
final class SessionOrder: Sendable {
    private struct State {
        var lines: [String: [Int]] = [:]
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var cancelledEarly: Set<Int> = []
    }
    private let state = Mutex(State())

    /// On the reader thread, as the request arrives.
    func arrive(_ session: String, id: Int) {
        let first = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            s.lines[session, default: []].append(id)
            return s.lines[session]?.first == id ? s.waiters.removeValue(forKey: id) : nil
        }
        first?.resume(returning: true)
    }

    /// Waits until `id` is first in its session's line; false if its Task was cancelled meanwhile.
    func turn(_ session: String, id: Int) async -> Bool {
        // The usual case, an idle session: no continuation, no suspension.
        if state.withLock({ $0.lines[session]?.first == id && !$0.cancelledEarly.contains(id) }) { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool? in
                    if s.cancelledEarly.remove(id) != nil { return false }
                    if s.lines[session]?.first == id { return true }
                    s.waiters[id] = c
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                guard let c = s.waiters.removeValue(forKey: id) else {
                    s.cancelledEarly.insert(id)
                    return nil
                }
                return c
            }
            c?.resume(returning: false)
        }
    }

    /// `id` is done, or gave up: the next in its session's line may go.
    func leave(_ session: String, id: Int) {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            s.cancelledEarly.remove(id)
            guard var line = s.lines[session], let i = line.firstIndex(of: id) else { return nil }
            line.remove(at: i)
            s.lines[session] = line.isEmpty ? nil : line
            guard i == 0, let head = line.first else { return nil }
            return s.waiters.removeValue(forKey: head)
        }
        next?.resume(returning: true)
    }
}
