import DriverProtocol

/// The session manager's own caps on live sessions: `maxSessions` on the server and, when set,
/// `maxSessionsPerPrincipal` (the server wires the security layer's limit instead, see
/// `SecuritySessionPolicy`; this one is for embedders without a policy).
///
/// Reserve, then commit or roll back: `reserve` counts the new session at once, before the awaits of
/// `session.create` (workspace, driver), so concurrent creations cannot all pass the check; `commit` makes
/// it a live session, `rollback` gives the place back when creation fails, `closed` when the session ends.
/// Pure and not thread-safe: the manager (an actor) owns it.
public struct SessionAdmission: Sendable, Equatable {
    public var maxSessions: Int
    public var maxSessionsPerPrincipal: Int?
    private(set) var live: [String: Int] = [:]
    private(set) var pending: [String: Int] = [:]
    private(set) var total = 0

    public init(maxSessions: Int, maxSessionsPerPrincipal: Int? = nil) {
        self.maxSessions = maxSessions
        self.maxSessionsPerPrincipal = maxSessionsPerPrincipal
    }

    /// Live plus reserved sessions of `principal`.
    public func count(principal: String) -> Int { live[principal, default: 0] + pending[principal, default: 0] }
    /// Live plus reserved sessions on the server.
    public var count: Int { total }

    /// Takes a place for a new session of `principal`, or refuses (and takes nothing).
    public mutating func reserve(principal: String) -> RPCError? {
        if total >= maxSessions {
            return RPCError.unavailable(
                "The server is at its limit of \(maxSessions) sessions; try again later",
                data: ["rule": "maxSessions", "limit": .int(maxSessions)])
        }
        if let cap = maxSessionsPerPrincipal, count(principal: principal) >= cap {
            return RPCError(
                code: -32029,
                message:
                    "\(principal) already has \(count(principal: principal)) open sessions (limit \(cap)); close one first",
                data: ["rule": "maxSessionsPerPrincipal", "limit": .int(cap)])
        }
        pending[principal, default: 0] += 1
        total += 1
        return nil
    }

    /// The reserved session now exists.
    public mutating func commit(principal: String) {
        guard Self.decrement(&pending, principal) else { return }
        live[principal, default: 0] += 1
    }

    /// The reserved session was never created.
    public mutating func rollback(principal: String) {
        if Self.decrement(&pending, principal) { total -= 1 }
    }

    /// A committed session ended.
    public mutating func closed(principal: String) {
        if Self.decrement(&live, principal) { total -= 1 }
    }

    private static func decrement(_ d: inout [String: Int], _ key: String) -> Bool {
        guard let n = d[key] else { return false }
        d[key] = n > 1 ? n - 1 : nil
        return true
    }
}
