import Synchronization

/// A value that the first of several racing tasks provides; `wait()` returns it. Later `provide` calls are
/// ignored. Used to stop waiting on a driver call that does not honour cancellation.
final class FirstResult<T: Sendable>: Sendable {
    private let state = Mutex<(value: T?, waiter: CheckedContinuation<T, Never>?)>((nil, nil))

    func provide(_ value: T) {
        let waiter = state.withLock { s -> CheckedContinuation<T, Never>? in
            guard s.value == nil else { return nil }
            s.value = value
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: value)
    }

    func wait() async -> T {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> T? in
                if let v = s.value { return v }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
