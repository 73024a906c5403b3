import LinuxSystem
import Synchronization

/// The MCP sessions of `/mcp`: each has its own `MCPServer` (one in-process backend connection), belongs to the
/// principal that initialized it, and ends on DELETE or after `idleSeconds` without a request; ending one
/// cancels the executions it still runs. A principal holds at most `maxPerPrincipal`: its next initialize ends
/// its least recently used one, so one client (or a leaky agent) cannot take every slot from the others.
final class MCPHTTPSessions: Sendable {
    struct Entry: Sendable {
        let server: MCPServer
        let principal: String
        var lastUsed: Double
    }

    let idleSeconds: Double
    let maxSessions: Int
    let maxPerPrincipal: Int
    private let entries = Mutex<[String: Entry]>([:])
    private let clock: @Sendable () -> Double

    init(
        idleSeconds: Double = 1800, maxSessions: Int = 256, maxPerPrincipal: Int = 32,
        clock: @escaping @Sendable () -> Double = MonotonicClock.now
    ) {
        self.idleSeconds = idleSeconds; self.maxSessions = maxSessions; self.maxPerPrincipal = maxPerPrincipal
        self.clock = clock
    }

    /// Registers a new session; nil when `maxSessions` are open.
    func open(_ server: MCPServer, principal: String) async -> String? {
        await expire()
        let id = SessionIDs.make(prefix: "mcp_")
        let now = clock()
        let (added, evicted) = entries.withLock { e -> (Bool, MCPServer?) in
            var evicted: MCPServer?
            let own = e.filter { $0.value.principal == principal }
            if own.count >= maxPerPrincipal, let oldest = own.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                evicted = e.removeValue(forKey: oldest.key)?.server
            }
            guard e.count < maxSessions else { return (false, evicted) }
            e[id] = Entry(server: server, principal: principal, lastUsed: now)
            return (true, evicted)
        }
        await evicted?.close()
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
