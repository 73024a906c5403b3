public import Transport

/// Who is connecting. A client presents a token on the WebSocket upgrade as
/// `Authorization: Bearer <token>`, or (browsers cannot set headers) as the query parameter
/// `?token=<token>` or the subprotocol `codebeaker.bearer.<token>`. A client using the subprotocol should
/// offer `codebeaker.v1` too, and the server selects that one (a server must select an offered subprotocol,
/// or browsers fail the connection; if only the bearer one was offered, it is the one selected).
/// Tokens are compared in constant time.
/// With no tokens configured everyone is `anonymous` (and the server binds only to loopback).
public struct Authenticator: Sendable {
    public static let anonymous = "anonymous"
    public static let subprotocolPrefix = "codebeaker.bearer."
    public static let subprotocol = "codebeaker.v1"
    public static let queryParameter = "token"

    public enum Outcome: Sendable, Equatable {
        case accepted(principal: String, subprotocol: String?)
        case rejected(status: Int, reason: String)
    }

    private let tokens: [(token: [UInt8], principal: String)]

    public init(tokens: [SecurityConfig.AuthToken]) {
        self.tokens = tokens.map { (Array($0.token.utf8), $0.principal) }
    }

    public var tokensConfigured: Bool { !tokens.isEmpty }

    /// Decides an upgrade; the result plugs into `WebSocketDelegate.shouldUpgrade`.
    public func decide(_ request: UpgradeRequest) -> UpgradeDecision {
        let offered = request.headers.filter { $0.name == "sec-websocket-protocol" }
            .flatMap { $0.value.split(separator: ",").map { String($0.trimmingCharacters(in: " \t")) } }
        switch authenticate(
            authorization: request.header("authorization"), queryToken: request.query[Self.queryParameter],
            subprotocols: offered)
        {
        case .accepted(let p, let sub): return .accept(principal: p, subprotocol: sub)
        case .rejected(let status, let reason): return .reject(status: status, message: reason)
        }
    }

    /// The rule, on plain values. Order: header, then subprotocol, then query parameter; a credential that
    /// is present but wrong is a rejection even if another one would match (no guessing through fallbacks).
    public func authenticate(authorization: String?, queryToken: String?, subprotocols: [String]) -> Outcome {
        let fromProtocol = subprotocols.first { $0.hasPrefix(Self.subprotocolPrefix) }.map {
            String($0.dropFirst(Self.subprotocolPrefix.count))
        }
        let echo =
            subprotocols.contains(Self.subprotocol)
            ? Self.subprotocol : subprotocols.first { $0.hasPrefix(Self.subprotocolPrefix) }
        guard tokensConfigured else { return .accepted(principal: Self.anonymous, subprotocol: echo) }
        var presented: String?
        if let auth = authorization {
            let parts = auth.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                return .rejected(status: 401, reason: "the Authorization header must be \"Bearer <token>\"")
            }
            presented = String(parts[1].trimmingCharacters(in: " \t"))
        } else if let t = fromProtocol {
            presented = t
        } else if let t = queryToken {
            presented = t
        }
        guard let presented else {
            return .rejected(
                status: 401,
                reason:
                    "a token is required: send \"Authorization: Bearer <token>\", the subprotocol codebeaker.bearer.<token> or ?token=<token>"
            )
        }
        guard let principal = principal(for: presented) else { return .rejected(status: 401, reason: "invalid token") }
        return .accepted(principal: principal, subprotocol: echo)
    }

    /// Compares against every configured token without an early exit, so timing reveals neither which
    /// token nor how many leading bytes matched.
    func principal(for presented: String) -> String? {
        let p = Array(presented.utf8)
        var match: String?
        for t in tokens where Self.constantTimeEqual(p, t.token) && match == nil { match = t.principal }
        return match
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        diff |= UInt8(a.count == b.count ? 0 : 1)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
