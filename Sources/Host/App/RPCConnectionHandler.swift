import DriverProtocol
import Synchronization
public import Transport

/// Bridges WebSocket connections to the JSON-RPC router. Each message is handled in its own Task, so a
/// 10-second execution never delays a `session.list` on the same socket; replies carry their ids.
public final class RPCConnectionHandler: WebSocketDelegate {
    private let router: RPCRouter
    private let security: SecurityLayer?
    private let logger = Logger("rpc")
    /// Requests being handled, per connection. Each costs a Task, its text and its reply; the transport pauses
    /// reading only on unsent reply bytes, which lag behind, so without this cap a client pipelining tiny
    /// requests it never reads answers to grew the server by ~1.7 KB per request (200 MB from 9 MB sent).
    private let inFlight = Mutex<[UInt64: Int]>([:])
    public static let maxInFlightPerConnection = 1000

    /// Called with a connection's id once it is gone (the app cancels the executions it started).
    private let onClose: (@Sendable (UInt64) -> Void)?

    /// Without a security layer every client is `anonymous` (tests, embedding).
    public init(router: RPCRouter, security: SecurityLayer? = nil, onClose: (@Sendable (UInt64) -> Void)? = nil) {
        self.router = router
        self.security = security
        self.onClose = onClose
    }

    public func shouldUpgrade(_ request: UpgradeRequest) -> UpgradeDecision {
        security?.shouldUpgrade(request) ?? .accept(principal: "anonymous", subprotocol: nil)
    }

    public func didOpen(_ connection: any WebSocketConnection) {
        security?.connectionOpened()
        logger.debug("connection opened", ["conn": String(connection.id), "principal": connection.principal])
    }

    public func didReceive(text: String, from connection: any WebSocketConnection) {
        let context = RPCContext(connectionID: connection.id, principal: connection.principal, requestID: nil) {
            [weak connection] method, params in
            connection?.send(
                text: JSONWriter.string(.object(["jsonrpc": "2.0", "method": .string(method), "params": params])))
        }
        let router = self.router, id = connection.id
        let admitted = inFlight.withLock { d -> Bool in
            let n = d[id, default: 0]
            guard n < Self.maxInFlightPerConnection else { return false }
            d[id] = n + 1
            return true
        }
        guard admitted else {
            // Answered at once, without a Task: the reply bytes make the transport pause reading.
            connection.send(text: Self.busyReply(to: text))
            return
        }
        Task {
            for reply in await router.handle(text: text, context: context) {
                connection.send(text: reply)
            }
            self.inFlight.withLock { d in
                if let n = d[id] { d[id] = n > 1 ? n - 1 : nil }
            }
        }
    }

    public func didClose(_ connection: any WebSocketConnection, code: UInt16) {
        security?.connectionClosed(connection.id)
        _ = inFlight.withLock { $0.removeValue(forKey: connection.id) }
        onClose?(connection.id)
        logger.debug("connection closed", ["conn": String(connection.id), "code": String(code)])
    }
}

extension RPCConnectionHandler {
    /// -32029 for a request refused because too many are in flight on its connection (id kept when readable).
    static func busyReply(to text: String) -> String {
        let id = (try? JSONParser.parse(text))?.object?["id"] ?? .null
        return JSONWriter.string(
            .object([
                "jsonrpc": "2.0", "id": id,
                "error": .object([
                    "code": .int(-32029),
                    "message": .string(
                        "more than \(maxInFlightPerConnection) requests in flight on this connection; wait for replies"),
                    "data": .object(["rule": "inFlightRequests"]),
                ]),
            ]))
    }
}
