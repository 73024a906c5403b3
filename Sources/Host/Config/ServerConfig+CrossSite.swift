import DriverProtocol
import Transport

/// Parsing and checking of `allowedOrigins` / `allowedHosts` (config file arrays, comma-separated env
/// values and flags). Entries are checked at start, so a typo fails loudly instead of refusing clients.
extension ServerConfig {
    /// Why an origin entry is unusable, or nil: `*` or `scheme://host[:port]` with no path.
    public static func originProblem(_ entry: String) -> String? {
        if entry == "*" { return nil }
        return WebOrigin(parsing: entry) == nil
            ? "'\(entry)' is not an origin (scheme://host[:port], no path, or \"*\")" : nil
    }

    /// Why a host entry is unusable, or nil: `*`, `name`, `name:port`, an IP address or `[v6]:port`.
    public static func hostProblem(_ entry: String) -> String? {
        if entry == "*" { return nil }
        return Authority(parsing: Substring(entry)) == nil
            ? "'\(entry)' is not a host name (host or host:port, or \"*\")" : nil
    }

    /// A JSON array of strings, or a comma-separated string (env, flags); each entry checked.
    static func list(_ v: JSONValue, _ key: String, check: (String) -> String?) throws(Error) -> [String] {
        guard let a = v.array, a.allSatisfy({ $0.string != nil }) else {
            throw Error("config: '\(key)' must be an array of strings")
        }
        return try checked(a.compactMap(\.string), key, check: check)
    }

    static func list(_ raw: String, _ key: String, check: (String) -> String?) throws(Error) -> [String] {
        try checked(
            raw.split(separator: ",").map { String($0.trimmingASCIIWhitespace()) }.filter { !$0.isEmpty }, key,
            check: check)
    }

    /// One value checked the same way (`hostId`, `publicUrl`).
    static func checked(_ value: String, _ key: String, _ check: (String) -> String?) throws(Error) -> String {
        if let problem = check(value) { throw Error("\(key): \(problem)") }
        return value
    }

    static func checked(_ entries: [String], _ key: String, check: (String) -> String?) throws(Error) -> [String] {
        for e in entries { if let problem = check(e) { throw Error("\(key): \(problem)") } }
        return entries
    }

    /// Warnings for the log at start: a "*" entry switches a cross-site check off.
    public var crossSiteWarnings: [String] {
        var out: [String] = []
        if allowedOrigins.contains("*") {
            out.append(
                "allowedOrigins contains \"*\": ANY web page the user visits can drive this server (cross-site WebSocket hijacking)"
            )
        }
        if allowedHosts.contains("*") {
            out.append(
                "allowedHosts contains \"*\": the Host check is off, so DNS-rebinding pages can reach this server")
        }
        return out
    }
}
