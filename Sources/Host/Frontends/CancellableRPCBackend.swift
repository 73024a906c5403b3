public import DriverProtocol

/// A backend whose caller picks the request id, so it can cancel the call with
/// `session.cancel {sessionId, requestId}` while it runs (Ctrl-C in the command line, MCP cancellation).
public protocol CancellableRPCBackend: RPCBackend {
    /// A request id not used before on this connection.
    func makeRequestID() -> JSONValue

    func call(
        _ method: String, params: JSONValue, id: JSONValue,
        onNotification: @escaping @Sendable (_ method: String, _ params: JSONValue) -> Void
    ) async throws(RPCCallError) -> JSONValue
}

extension CancellableRPCBackend {
    /// `RPCBackend.call` with a fresh id.
    public func call(
        _ method: String, params: JSONValue,
        onNotification: @escaping @Sendable (_ method: String, _ params: JSONValue) -> Void
    ) async throws(RPCCallError) -> JSONValue {
        try await call(method, params: params, id: makeRequestID(), onNotification: onNotification)
    }
}
