import Synchronization

/// One `AsyncGate` per key, made on first use and dropped with its last user. Drivers serialize `session.open`
/// by session id with it: the host re-opens live sessions after a driver restart, possibly while that session's
/// first open is still under way, and two opens of one id must not build two sandboxes sharing one cgroup and
/// one set of generated files. The second waits, then finds the session already open.
public final class KeyedGate: Sendable {
    private let gates = Mutex<[String: (gate: AsyncGate, users: Int)]>([:])

    public init() {}

    public func withGate<T>(_ key: String, _ body: () async throws -> T) async throws -> T {
        let gate = gates.withLock { g -> AsyncGate in
            var entry = g[key] ?? (AsyncGate(), 0)
            entry.users += 1
            g[key] = entry
            return entry.gate
        }
        defer {
            gates.withLock { g in
                guard var entry = g[key] else { return }
                entry.users -= 1
                g[key] = entry.users == 0 ? nil : entry
            }
        }
        guard await gate.acquire() else { throw DriverError.cancelled() }
        defer { gate.release() }
        return try await body()
    }

    /// Keys with a gate now (for tests: gates do not outlive their users).
    public var activeKeys: Int { gates.withLock { $0.count } }
}
