import Synchronization

/// One install at a time per session: two installers writing one venv or node_modules at once corrupt it
/// (the host allows several concurrent executions per session). Entries go away when nobody holds them.
enum InstallLocks {
    private static let gates = Mutex<[String: (gate: AsyncGate, users: Int)]>([:])

    static func serialized<T: Sendable>(_ session: String, _ body: () async throws(DriverError) -> T)
        async throws(DriverError) -> T
    {
        let gate = gates.withLock { g -> AsyncGate in
            let e = g[session] ?? (AsyncGate(), 0)
            g[session] = (e.gate, e.users + 1)
            return e.gate
        }
        defer {
            gates.withLock { g in
                if let e = g[session] { g[session] = e.users <= 1 ? nil : (e.gate, e.users - 1) }
            }
        }
        guard await gate.acquire() else { throw DriverError.cancelled() }
        defer { gate.release() }
        return try await body()
    }

    /// Callers holding or waiting for `session`'s gate (tests).
    static func users(_ session: String) -> Int { gates.withLock { $0[session]?.users ?? 0 } }
}
