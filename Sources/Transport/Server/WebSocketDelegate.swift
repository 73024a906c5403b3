public import DriverProtocol

/// What the HTTP layer knows about an upgrade request, for authentication and routing.
public struct UpgradeRequest: Sendable {
    public var path: String
    /// Decoded query parameters (`?token=...`).
    public var query: [String: String]
    /// Header names lower-cased, in arrival order.
    public var headers: [(name: String, value: String)]
    public var remoteAddress: String

    public init(path: String, query: [String: String], headers: [(name: String, value: String)], remoteAddress: String)
    {
        self.path = path; self.query = query; self.headers = headers; self.remoteAddress = remoteAddress
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }
}

public enum UpgradeDecision: Sendable {
    /// Accept; `principal` names who is connecting, `subprotocol` is echoed if non-nil.
    case accept(principal: String, subprotocol: String?)
    case reject(status: Int, message: String)
}

/// A live WebSocket as the application sees it. Thread-safe; sends are queued, never block.
public protocol WebSocketConnection: AnyObject, Sendable {
    var id: UInt64 { get }
    var principal: String { get }
    var remoteAddress: String { get }
    /// Queues one text message. Returns false if the connection is closing/closed.
    @discardableResult func send(text: String) -> Bool
    /// Starts the close handshake with a valid code (1000, 1001, 1008, 1011, ...).
    func close(code: UInt16, reason: String)
}

/// The application side of `/ws/jsonrpc`. Calls arrive on the event-loop thread: do not block in them.
public protocol WebSocketDelegate: Sendable {
    func shouldUpgrade(_ request: UpgradeRequest) -> UpgradeDecision
    func didOpen(_ connection: any WebSocketConnection)
    /// One complete, UTF-8-validated text message (binary messages are passed as text if valid UTF-8).
    func didReceive(text: String, from connection: any WebSocketConnection)
    func didClose(_ connection: any WebSocketConnection, code: UInt16)
}

/// Plain HTTP routes (health, metrics, pages, `/mcp`). Runs off the event loop.
public struct HTTPResponseBody: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Extra header lines (Location, Content-Security-Policy, ...); not Content-Type/Length or Connection.
    public var headers: [(String, String)]
    public init(status: Int, contentType: String = "application/json", body: [UInt8], headers: [(String, String)] = [])
    {
        self.status = status; self.contentType = contentType; self.body = body; self.headers = headers
    }
    public static func json(_ status: Int, _ value: JSONValue) -> HTTPResponseBody {
        HTTPResponseBody(status: status, body: JSONWriter.bytes(value))
    }

    /// When set, the body is sent as it is produced (`Transfer-Encoding: chunked`, one chunk per element,
    /// `body` ignored) and the response ends when the stream finishes: Server-Sent Events, for `/mcp`.
    public var stream: AsyncStream<[UInt8]>?

    public static func streaming(
        status: Int = 200, contentType: String, headers: [(String, String)] = [], _ stream: AsyncStream<[UInt8]>
    ) -> HTTPResponseBody {
        var response = HTTPResponseBody(status: status, contentType: contentType, body: [], headers: headers)
        response.stream = stream
        return response
    }
}

/// One plain HTTP request as a route sees it.
public struct HTTPRouteRequest: Sendable {
    /// Upper-case.
    public var method: String
    /// Without the query.
    public var path: String
    public var query: [String: String]
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var remoteAddress: String

    public init(
        method: String, path: String, query: [String: String] = [:], headers: [(name: String, value: String)] = [],
        body: [UInt8] = [], remoteAddress: String = ""
    ) {
        self.method = method; self.path = path; self.query = query; self.headers = headers; self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Implement either `handle(request:)` (the whole request) or the older `handle(method:path:query:headers:)`.
public protocol HTTPRouteHandler: Sendable {
    /// Returns nil for 404. `method` is upper-case, `path` excludes the query.
    func handle(method: String, path: String, query: [String: String], headers: [(name: String, value: String)]) async
        -> HTTPResponseBody?
    /// Returns nil for 404. The server calls this one.
    func handle(request: HTTPRouteRequest) async -> HTTPResponseBody?
}

extension HTTPRouteHandler {
    public func handle(method: String, path: String, query: [String: String], headers: [(name: String, value: String)])
        async -> HTTPResponseBody?
    { nil }

    public func handle(request: HTTPRouteRequest) async -> HTTPResponseBody? {
        await handle(method: request.method, path: request.path, query: request.query, headers: request.headers)
    }
}

/// Several route handlers in order: the first answer wins.
public struct RouteChain: HTTPRouteHandler {
    let handlers: [any HTTPRouteHandler]
    public init(_ handlers: [any HTTPRouteHandler]) { self.handlers = handlers }

    public func handle(request: HTTPRouteRequest) async -> HTTPResponseBody? {
        for handler in handlers {
            if let response = await handler.handle(request: request) { return response }
        }
        return nil
    }
}
