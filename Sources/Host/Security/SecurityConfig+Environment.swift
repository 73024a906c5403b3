extension SecurityConfig {
    /// The environment variable that adds tokens: `CODEBEAKER_TOKENS="alice:tok1,bob:tok2"`.
    public static let tokensEnvironmentVariable = "CODEBEAKER_TOKENS"

    /// `CODEBEAKER_NETWORK_PRINCIPALS="alice,bob"` (or `*`): replaces `networkPrincipals`.
    public static let networkPrincipalsEnvironmentVariable = "CODEBEAKER_NETWORK_PRINCIPALS"

    /// Adds the tokens from `CODEBEAKER_TOKENS` (if set) to those from the config file, and takes
    /// `CODEBEAKER_NETWORK_PRINCIPALS` (if set) as the network allowlist.
    public mutating func applyEnvironment(_ environment: [String: String]) throws(SecurityConfigError) {
        if let raw = environment[Self.networkPrincipalsEnvironmentVariable] {
            networkPrincipals = Self.parsePrincipalList(raw)
        }
        guard let raw = environment[Self.tokensEnvironmentVariable] else { return }
        let merged = tokens + (try Self.parseTokenList(raw))
        if let dup = Self.duplicateToken(merged) {
            throw SecurityConfigError(key: Self.tokensEnvironmentVariable, "token of principal \(dup) is listed twice")
        }
        tokens = merged
    }

    /// `alice, bob` → ["alice", "bob"]; empty entries are skipped.
    public static func parsePrincipalList(_ raw: String) -> [String] {
        raw.split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
    }

    /// Parses `principal:token,principal:token`. Whitespace around entries is ignored; empty entries are skipped.
    public static func parseTokenList(_ raw: String) throws(SecurityConfigError) -> [AuthToken] {
        var out: [AuthToken] = []
        for (i, part) in raw.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = part.trimmingSpaces
            if entry.isEmpty { continue }
            guard let colon = entry.firstIndex(of: ":") else {
                throw SecurityConfigError(key: "\(tokensEnvironmentVariable)[\(i)]", "expected principal:token")
            }
            let t = AuthToken(token: String(entry[entry.index(after: colon)...]), principal: String(entry[..<colon]))
            if let problem = t.problem { throw SecurityConfigError(key: "\(tokensEnvironmentVariable)[\(i)]", problem) }
            out.append(t)
        }
        return out
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return s
    }
}
