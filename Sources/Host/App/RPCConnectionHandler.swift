import DriverProtocol
import Synchronization

/// Bridges WebSocket connections to the JSON-RPC router. Each message is handled in its own Task, so a
/// 10-second execution never delays a `session.list` on the same socket; replies carry their ids.
public final class RPCConnectionHandler: WebSocketDelegate {
    private let router: RPCRouter
    private let authenticate: @Sendable (UpgradeRequest) -> UpgradeDecision
    private let onOpenCountChange: @Sendable (Int) -> Void
    private let open = Mutex(0)
    private let logger = Logger("rpc")

    public init(router: RPCRouter,
                authenticate: @escaping @Sendable (UpgradeRequest) -> UpgradeDecision = { _ in .accept(principal: "anonymous", subprotocol: nil) },
                onOpenCountChange: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.router = router
        self.authenticate = authenticate
        self.onOpenCountChange = onOpenCountChange
    }

    public func shouldUpgrade(_ request: UpgradeRequest) -> UpgradeDecision { authenticate(request) }

    public func didOpen(_ connection: any WebSocketConnection) {
        let n = open.withLock { $0 += 1; return $0 }
        onOpenCountChange(n)
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
        let n = open.withLock { $0 -= 1; return $0 }
        onOpenCountChange(n)
        logger.debug("connection closed", ["conn": String(connection.id), "code": String(code)])
    }
}
