import Synchronization

/// Races one driver call against the host's backstop deadline, and is the call's cancellation handle.
///
/// The call runs in the one Task this type owns, because at the deadline the host stops waiting for a driver
/// that does not honour cancellation (it cannot be a child that `run` would have to wait for). The wait itself
/// is structured: a task group of two children, the reply (a continuation the call Task resumes) and the
/// deadline; the first to finish wins and the other is cancelled at once. `cancel()` (a client's cancel,
/// or the session closing) cancels the call, so the driver gets a `cancel` and answers with a cancelled result.
final class DriverCallRace<T: Sendable>: Sendable {
    enum Outcome: Sendable {
        /// The call returned first (a result, a driver error, a crash, a confirmed cancel).
        case replied(T)
        /// The deadline passed first; the call has been cancelled and is no longer waited for.
        case deadline
        /// The waiting Task itself was cancelled; the call has been cancelled too.
        case abandoned
    }

    private struct State {
        var result: T?
        var waiter: CheckedContinuation<T?, Never>?
        var call: Task<Void, Never>?
        var cancelRequested = false
    }
    private let state = Mutex(State())

    init() {}

    /// True once `cancel()` was called (before or during the run).
    var isCancelled: Bool { state.withLock { $0.cancelRequested } }

    /// Forwards cancellation to the call; if it has not started yet, it starts cancelled.
    func cancel() {
        let call = state.withLock { s -> Task<Void, Never>? in
            s.cancelRequested = true
            return s.call
        }
        call?.cancel()
    }

    /// Starts `call` and waits for its result or `deadline` (a sleep; it throws when cancelled), whichever
    /// comes first. Call once.
    func run(deadline: @escaping @Sendable () async throws -> Void, call: @escaping @Sendable () async -> T) async
        -> Outcome
    {
        let task = Task { self.finish(await call()) }
        let cancelNow = state.withLock { s -> Bool in
            s.call = task
            return s.cancelRequested
        }
        if cancelNow { task.cancel() }
        let first = await withTaskGroup(of: Outcome?.self) { group -> Outcome? in
            group.addTask { await self.reply().map(Outcome.replied) }
            group.addTask {
                do { try await deadline() } catch { return nil }
                return Task.isCancelled ? nil : .deadline
            }
            defer { group.cancelAll() }
            for await outcome in group {
                if let outcome { return outcome }
            }
            return nil
        }
        switch first {
        case .replied?: return first!
        case .deadline?: task.cancel(); return .deadline
        case .abandoned?, nil: task.cancel(); return .abandoned
        }
    }

    private func finish(_ value: T) {
        let waiter = state.withLock { s -> CheckedContinuation<T?, Never>? in
            s.result = value
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: value)
    }

    /// The call's result, or nil when the waiting child is cancelled first.
    private func reply() async -> T? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<T?, Never>) in
                let ready = state.withLock { s -> (Bool, T?) in
                    if let r = s.result { return (true, r) }
                    if Task.isCancelled { return (true, nil) }
                    s.waiter = c
                    return (false, nil)
                }
                if ready.0 { c.resume(returning: ready.1) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<T?, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
