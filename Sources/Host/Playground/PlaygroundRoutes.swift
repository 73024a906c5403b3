import DriverProtocol
public import Transport

/// The browser playground (docs/playground.md): `/` redirects to `/playground`, which serves one page and its
/// files from the binary. Every answer carries a strict Content-Security-Policy: the page may load only its own
/// scripts and styles and talk only to this server (`/ws/jsonrpc`, `/health`), so it makes no other request.
public struct PlaygroundRoutes: HTTPRouteHandler {
    /// Whether the WebSocket needs a token: the page asks for one before it connects.
    let tokensRequired: Bool

    public init(tokensRequired: Bool) { self.tokensRequired = tokensRequired }

    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Sent with every playground answer, redirects and errors included.
    public static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-cache"),
    ]

    public func handle(request: HTTPRouteRequest) async -> HTTPResponseBody? {
        let path = request.path
        guard path == "/" || path == "/playground" || path.hasPrefix("/playground/") else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else {
            var r = HTTPResponseBody.json(405, ["error": "method not allowed", "allowed": ["GET", "HEAD"]])
            r.headers = Self.securityHeaders + [("Allow", "GET, HEAD")]
            return r
        }
        if path == "/" || path == "/playground/" {
            return HTTPResponseBody(
                status: 302, contentType: "text/plain; charset=utf-8", body: Array("see /playground\n".utf8),
                headers: Self.securityHeaders + [("Location", "/playground")])
        }
        if path == "/playground/config.json" {
            var r = HTTPResponseBody.json(200, ["tokensRequired": .bool(tokensRequired)])
            r.headers = Self.securityHeaders
            return r
        }
        guard let asset = PlaygroundAssets.byPath[path] else {
            var r = HTTPResponseBody.json(404, ["error": "not found", "path": .string(path)])
            r.headers = Self.securityHeaders
            return r
        }
        return HTTPResponseBody(
            status: 200, contentType: asset.contentType, body: asset.bytes, headers: Self.securityHeaders)
    }
}
