import DriverProtocol

extension MCPToolCalls {
    /// Calls an executing method so that cancelling the calling Task stops the execution: an in-process
    /// backend sees the Task's cancellation itself; a backend whose caller picks the request id (a WebSocket)
    /// also gets `session.cancel` for that id.
    func callCancellable(
        _ method: String, params: JSONValue, sessionID: String?,
        onNotification: @escaping @Sendable (String, JSONValue) -> Void
    ) async throws(RPCCallError) -> JSONValue {
        guard let cancellable = backend as? any CancellableRPCBackend else {
            return try await backend.call(method, params: params, onNotification: onNotification)
        }
        let id = cancellable.makeRequestID()
        var cancel: JSONObject = ["requestId": id]
        if let sessionID { cancel["sessionId"] = .string(sessionID) }
        let result = await withTaskCancellationHandler {
            do throws(RPCCallError) {
                return Result<JSONValue, RPCCallError>.success(
                    try await cancellable.call(method, params: params, id: id, onNotification: onNotification))
            } catch {
                return .failure(error)
            }
        } onCancel: { [cancel] in
            Task { _ = try? await cancellable.call("session.cancel", params: .object(cancel)) }
        }
        return try result.get()
    }
}
