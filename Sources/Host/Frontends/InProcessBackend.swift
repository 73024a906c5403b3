public import DriverProtocol
import Synchronization

/// Calls an embedded host's router directly, as one client connection: the same validation, rate limits,
/// audit and session ownership as a WebSocket client, without a socket.
public final class InProcessBackend: CancellableRPCBackend {
    private let host: HostRuntime
    private let connectionID: UInt64
    private let principal: String
    private let nextID = Atomic<Int>(1)
    /// Far above the transport's connection ids, so the two never name the same connection.
    private static let ids = Atomic<UInt64>(1 << 62)

    public init(host: HostRuntime, principal: String = "local") {
        self.host = host
        self.principal = principal
        self.connectionID = Self.ids.add(1, ordering: .relaxed).newValue
    }

    public func makeRequestID() -> JSONValue { .int(nextID.add(1, ordering: .relaxed).oldValue) }

    public func call(
        _ method: String, params: JSONValue, id: JSONValue,
        onNotification: @escaping @Sendable (String, JSONValue) -> Void
    ) async throws(RPCCallError) -> JSONValue {
        let context = RPCContext(
            connectionID: connectionID, principal: principal, requestID: id, notify: onNotification)
        let request: JSONValue = .object([
            "jsonrpc": "2.0", "id": id, "method": .string(method), "params": params,
        ])
        return try RPCCallError.result(of: await host.router.handle(parsed: request, context: context))
    }

    public func close() async { await host.connectionClosed(connectionID) }
}
