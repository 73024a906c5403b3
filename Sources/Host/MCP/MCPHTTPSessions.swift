import LinuxSystem
import Synchronization

/// The MCP sessions of `/mcp`: each has its own `MCPServer` (one in-process backend connection), belongs to the
/// principal that initialized it, and ends on DELETE or after `idleSeconds` without a request; ending one
/// cancels the executions it still runs.
final class MCPHTTPSessions: Sendable {
    struct Entry: Sendable {
        let server: MCPServer
        let principal: String
        var lastUsed: Double
    }

    let idleSeconds: Double
    let maxSessions: Int
    private let entries = Mutex<[String: Entry]>([:])
    private let clock: @Sendable () -> Double

    init(
        idleSeconds: Double = 1800, maxSessions: Int = 256, clock: @escaping @Sendable () -> Double = MonotonicClock.now
    ) {
        self.idleSeconds = idleSeconds; self.maxSessions = maxSessions; self.clock = clock
    }

    /// Registers a new session; nil when `maxSessions` are open.
    func open(_ server: MCPServer, principal: String) async -> String? {
        await expire()
        let id = SessionIDs.make(prefix: "mcp_")
        let added = entries.withLock { e -> Bool in
            guard e.count < maxSessions else { return false }
            e[id] = Entry(server: server, principal: principal, lastUsed: clock())
            return true
        }
        return added ? id : nil
    }

    /// The session's server if `id` is open and `principal`'s (someone else's id is as unknown as a wrong one).
    func server(_ id: String, principal: String) async -> MCPServer? {
        await expire()
        let now = clock()
        return entries.withLock { e -> MCPServer? in
            guard let entry = e[id], entry.principal == principal else { return nil }
            e[id]!.lastUsed = now
            return entry.server
        }
    }

    /// Ends a session (DELETE); false if it was not open or not the principal's.
    func close(_ id: String, principal: String) async -> Bool {
        let entry = entries.withLock { e -> Entry? in
            guard let entry = e[id], entry.principal == principal else { return nil }
            return e.removeValue(forKey: id)
        }
        await entry?.server.close()
        return entry != nil
    }

    /// Ends the sessions idle for longer than `idleSeconds` (checked on each request: no timer to own).
    func expire() async {
        let now = clock()
        let gone = entries.withLock { e -> [MCPServer] in
            let old = e.filter { now - $0.value.lastUsed > idleSeconds }
            for key in old.keys { e[key] = nil }
            return old.values.map(\.server)
        }
        for server in gone { await server.close() }
    }

    /// Ends every session (server shutdown).
    func closeAll() async {
        let all = entries.withLock { e -> [MCPServer] in
            defer { e = [:] }
            return e.values.map(\.server)
        }
        for server in all { await server.close() }
    }

    var count: Int { entries.withLock { $0.count } }
}
