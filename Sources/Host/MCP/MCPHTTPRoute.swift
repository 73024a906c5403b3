import DriverProtocol
import Synchronization
public import Transport

/// MCP's Streamable HTTP transport at `/mcp`: POST one JSON-RPC message, get `application/json`, or
/// `text/event-stream` when a tool call asked for progress; `Mcp-Session-Id` from `initialize` on every later
/// request; DELETE ends the session; GET (a server-initiated stream) is 405. Authentication is the WebSocket's
/// (`authenticate`); the transport's cross-site guard has already checked Host and Origin of every POST/DELETE.
public struct MCPHTTPRoute: HTTPRouteHandler {
    public static let path = "/mcp"
    public enum Auth: Sendable {
        case principal(String)
        case refused(status: Int, message: String)
    }

    let authenticate: @Sendable (HTTPRouteRequest) -> Auth
    let makeBackend: @Sendable (_ principal: String) -> any RPCBackend
    let sessions: MCPHTTPSessions

    init(
        sessions: MCPHTTPSessions = MCPHTTPSessions(), authenticate: @escaping @Sendable (HTTPRouteRequest) -> Auth,
        makeBackend: @escaping @Sendable (String) -> any RPCBackend
    ) {
        self.sessions = sessions; self.authenticate = authenticate; self.makeBackend = makeBackend
    }

    /// `/mcp` in front of a running host: its tokens, its router, one backend connection per MCP session.
    public init(host: HostRuntime) {
        self.init(
            authenticate: { request in
                let upgrade = UpgradeRequest(
                    path: request.path, query: request.query, headers: request.headers,
                    remoteAddress: request.remoteAddress)
                switch host.security.shouldUpgrade(upgrade) {
                case .accept(let principal, _): return .principal(principal)
                case .reject(let status, let message): return .refused(status: status, message: message)
                }
            },
            makeBackend: { InProcessBackend(host: host, principal: $0) })
    }

    /// Ends every MCP session (at shutdown).
    public func closeAll() async { await sessions.closeAll() }

    public func handle(request: HTTPRouteRequest) async -> HTTPResponseBody? {
        guard request.path == Self.path else { return nil }
        let principal: String
        switch authenticate(request) {
        case .principal(let p): principal = p
        case .refused(let status, let message):
            return Self.plainError(status, message, headers: [("WWW-Authenticate", "Bearer")])
        }
        if let version = request.header("mcp-protocol-version"), !MCPMessage.supportedVersions.contains(version) {
            return Self.plainError(400, "unsupported MCP-Protocol-Version \(version)")
        }
        let sessionID = request.header("mcp-session-id")
        switch request.method {
        case "POST": return await post(request, principal: principal, sessionID: sessionID)
        case "DELETE":
            guard let sessionID else { return Self.plainError(400, "Mcp-Session-Id header required") }
            return await sessions.close(sessionID, principal: principal)
                ? HTTPResponseBody(status: 204, body: []) : Self.plainError(404, "unknown MCP session")
        default:
            return Self.plainError(
                405, "POST JSON-RPC messages to /mcp (no server-initiated stream)", headers: [("Allow", "POST, DELETE")]
            )
        }
    }

    static func plainError(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPResponseBody {
        HTTPResponseBody(status: status, body: JSONWriter.bytes(["error": .string(message)]), headers: headers)
    }

    static func rpcError(_ status: Int, _ code: Int, _ message: String) -> HTTPResponseBody {
        .json(status, MCPMessage.error(id: .null, code: code, message))
    }
}
