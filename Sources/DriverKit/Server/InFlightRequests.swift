import Synchronization

/// Running request Tasks by id, so `cancel` can find them and shutdown can stop them all.
final class InFlightRequests: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var cancelled: Set<Int> = []
    }
    private let state = Mutex(State())

    /// Starts `body` as a Task registered under `id`; false if that id is already running.
    /// The Task is created under the lock, so its own `finish` cannot run before it is registered.
    func start(_ id: Int, _ body: @escaping @Sendable () async -> Void) -> Bool {
        state.withLock { s in
            guard s.tasks[id] == nil else { return false }
            s.tasks[id] = Task { await body() }
            return true
        }
    }

    /// Removes the request; returns whether it had been cancelled.
    func finish(_ id: Int) -> Bool {
        state.withLock { s in
            s.tasks[id] = nil
            return s.cancelled.remove(id) != nil
        }
    }

    /// Cancels a running request; false if unknown or already finished (a late cancel).
    func cancel(_ id: Int) -> Bool {
        state.withLock { s in
            guard let t = s.tasks[id] else { return false }
            s.cancelled.insert(id)
            t.cancel()
            return true
        }
    }

    func isRunning(_ id: Int) -> Bool { state.withLock { $0.tasks[id] != nil } }

    func cancelAll() -> [Task<Void, Never>] {
        state.withLock { s in
            for (id, t) in s.tasks { s.cancelled.insert(id); t.cancel() }
            return Array(s.tasks.values)
        }
    }
}
