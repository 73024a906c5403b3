import DriverKit

/// Runs a blocking call (Engine API round trips, mounts) on its own thread so the two-thread Swift
/// concurrency pool never stalls behind the Docker daemon.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        OSThread.start { c.resume(with: Result { try body() }) }
    }
}
