import DriverProtocol

/// Bridges WebSocket connections to the JSON-RPC router. Each message is handled in its own Task, so a
/// 10-second execution never delays a `session.list` on the same socket; replies carry their ids.
public final class RPCConnectionHandler: WebSocketDelegate {
    private let router: RPCRouter
    private let security: SecurityLayer?
    private let logger = Logger("rpc")

    /// Without a security layer every client is `anonymous` (tests, embedding).
    public init(router: RPCRouter, security: SecurityLayer? = nil) {
        self.router = router
        self.security = security
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
            connection?.send(text: JSONWriter.string(.object(["jsonrpc": "2.0", "method": .string(method), "params": params])))
        }
        let router = self.router
        Task {
            for reply in await router.handle(text: text, context: context) {
                connection.send(text: reply)
            }
        }
    }

    public func didClose(_ connection: any WebSocketConnection, code: UInt16) {
        security?.connectionClosed(connection.id)
        logger.debug("connection closed", ["conn": String(connection.id), "code": String(code)])
    }
}
