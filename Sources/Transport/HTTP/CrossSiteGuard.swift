/// Refuses requests a web page could forge against this server (cross-site WebSocket hijacking, DNS
/// rebinding). Browsers always send `Origin` on a WebSocket upgrade and cannot forge it; a rebinding page
/// talks to us under the attacker's host name, which shows in `Host`. So:
/// - `Host` must name this server: a loopback name or address (any port), the listen address, an IP literal
///   when listening on a wildcard address (rebinding needs a name), or an entry of `allowedHosts`.
/// - `Origin`, when present, must be a loopback origin (http/https on localhost, 127.x, [::1], any port),
///   the same origin as `Host`, or an entry of `allowedOrigins`. Clients that send no Origin are not browsers.
/// Requests that act (the upgrade, any non-GET route) get both checks. Read-only GET/HEAD routes stay open to
/// scrapers and probes, but a browser's request to them (Origin or `Sec-Fetch-*` present) gets both too.
/// `"*"` in either list switches that check off. Pure; the server builds one per listening socket.
public struct CrossSiteGuard: Sendable {
    public struct Refusal: Error, Sendable, Equatable {
        public var status: Int
        public var message: String
    }

    public let anyOrigin: Bool
    public let anyHost: Bool
    let origins: Set<WebOrigin>
    let hosts: Set<String>
    let listen: Authority?
    let port: Int
    let wildcardListen: Bool

    /// Entries are validated by the configuration (`ServerConfig.originProblem`, `hostProblem`); unparsable ones are ignored here.
    public init(allowedOrigins: [String], allowedHosts: [String], listenHost: String, port: Int) {
        anyOrigin = allowedOrigins.contains("*")
        anyHost = allowedHosts.contains("*")
        origins = Set(allowedOrigins.compactMap { WebOrigin(parsing: $0) })
        hosts = Set(allowedHosts.compactMap { Authority(parsing: Substring($0)).map(\.description) })
        let l = listenHost.hasPrefix("[") || !listenHost.contains(":") ? listenHost : "[\(listenHost)]"
        listen = Authority(parsing: Substring(l))
        wildcardListen = ["0.0.0.0", "::", "[::]", ""].contains(listenHost)
        self.port = port
    }

    /// For the WebSocket upgrade and every route that is not a plain GET/HEAD.
    public func checkActing(_ headers: [(name: String, value: String)]) -> Refusal? {
        let hostValues = headers.filter { $0.name == "host" }
        guard hostValues.count == 1 else {
            return Refusal(
                status: 400, message: hostValues.isEmpty ? "missing Host header" : "more than one Host header")
        }
        guard let host = Authority(parsing: Substring(hostValues[0].value)) else {
            return Refusal(status: 400, message: "malformed Host header \"\(Self.shown(hostValues[0].value))\"")
        }
        if let refusal = check(host: host) { return refusal }
        return check(origin: headers.filter { $0.name == "origin" }, host: host)
    }

    /// For read-only GET/HEAD routes: only requests a browser made are checked.
    public func checkReadOnly(_ headers: [(name: String, value: String)]) -> Refusal? {
        let fromBrowser = headers.contains { $0.name == "origin" || $0.name.hasPrefix("sec-fetch-") }
        return fromBrowser ? checkActing(headers) : nil
    }

    func check(host: Authority) -> Refusal? {
        if anyHost || host.isLoopback || hosts.contains(host.host) || hosts.contains(host.description) { return nil }
        if let listen, host.host == listen.host, host.port == nil || host.port == port { return nil }
        if wildcardListen && host.isIPLiteral { return nil }
        return Refusal(
            status: 403,
            message:
                "Host \"\(Self.shown(host.description))\" does not name this server (a DNS-rebinding page would send its own name); "
                + "use a loopback address or the listen address, or add the name to allowedHosts")
    }

    func check(origin values: [(name: String, value: String)], host: Authority) -> Refusal? {
        guard !values.isEmpty, !anyOrigin else { return nil }
        guard values.count == 1 else { return Refusal(status: 403, message: "more than one Origin header") }
        let raw = values[0].value
        let refused = Refusal(
            status: 403,
            message:
                "Origin \"\(Self.shown(raw))\" is not allowed: a web page from another site may not use this server; "
                + "add it to allowedOrigins to allow it")
        // includes "null" (sandboxed frames, file: pages)
        guard let origin = WebOrigin(parsing: raw) else { return refused }
        let web = origin.scheme == "http" || origin.scheme == "https"
        if web && origin.authority.isLoopback { return nil }
        if origins.contains(origin) { return nil }
        // The page the host serves itself: same host and port as the request was addressed to.
        if web, origin.authority.host == host.host,
            origin.effectivePort == (host.port ?? WebOrigin.defaultPort(origin.scheme))
        {
            return nil
        }
        return refused
    }

    /// A header value as echoed in an error: at most 100 characters.
    static func shown(_ s: String) -> String { s.count <= 100 ? s : String(s.prefix(100)) + "…" }
}
