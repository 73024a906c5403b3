import Synchronization

/// A mutable value shared with callbacks in tests.
final class Locked<T: Sendable>: Sendable {
    private let m: Mutex<T>
    init(_ v: T) { m = Mutex(v) }
    func withLock<R: Sendable>(_ body: (inout sending T) -> sending R) -> R { m.withLock(body) }
}
