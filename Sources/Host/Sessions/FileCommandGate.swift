/// How many file commands may be in flight (queued for or running on the file threads) at once, per
/// session and per principal. Pure: the session manager (an actor) holds one and calls `enter` before a
/// file command and `leave` after it, so the check and the count are one step and cannot race.
public struct FileCommandGate: Sendable, Equatable {
    public struct Refusal: Sendable, Equatable {
        public var rule: String
        public var message: String
    }

    public enum Rule: Sendable {
        public static let perSession = "maxConcurrentFileCommandsPerSession"
        public static let perPrincipal = "maxConcurrentFileCommandsPerPrincipal"
    }

    public var perSession: Int
    public var perPrincipal: Int
    private(set) var sessions: [String: Int] = [:]
    private(set) var principals: [String: Int] = [:]

    public init(perSession: Int, perPrincipal: Int) {
        self.perSession = perSession
        self.perPrincipal = perPrincipal
    }

    /// Counts one file command in, or refuses it (and counts nothing).
    public mutating func enter(session: String, principal: String) -> Refusal? {
        let p = principals[principal, default: 0], s = sessions[session, default: 0]
        if p >= perPrincipal {
            return Refusal(
                rule: Rule.perPrincipal,
                message:
                    "\(principal) already has \(p) file commands running (limit \(perPrincipal)); wait for one to finish"
            )
        }
        if s >= perSession {
            return Refusal(
                rule: Rule.perSession,
                message:
                    "this session already has \(s) file commands running (limit \(perSession)); wait for one to finish")
        }
        principals[principal] = p + 1
        sessions[session] = s + 1
        return nil
    }

    /// Counts one admitted file command out. Keys reaching zero are dropped, so memory follows the load.
    public mutating func leave(session: String, principal: String) {
        if let p = principals[principal] { principals[principal] = p > 1 ? p - 1 : nil }
        if let s = sessions[session] { sessions[session] = s > 1 ? s - 1 : nil }
    }

    public func inFlight(principal: String) -> Int { principals[principal, default: 0] }
    public var isIdle: Bool { sessions.isEmpty && principals.isEmpty }
}
