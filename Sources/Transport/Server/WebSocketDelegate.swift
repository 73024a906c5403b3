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

/// Plain HTTP routes (health, metrics). Runs off the event loop.
public struct HTTPResponseBody: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public init(status: Int, contentType: String = "application/json", body: [UInt8]) {
        self.status = status; self.contentType = contentType; self.body = body
    }
    public static func json(_ status: Int, _ value: JSONValue) -> HTTPResponseBody {
        HTTPResponseBody(status: status, body: JSONWriter.bytes(value))
    }
}

public protocol HTTPRouteHandler: Sendable {
    /// Returns nil for 404. `method` is upper-case, `path` excludes the query.
    func handle(method: String, path: String, query: [String: String], headers: [(name: String, value: String)]) async
        -> HTTPResponseBody?
}
