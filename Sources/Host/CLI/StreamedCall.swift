import DriverProtocol
import Synchronization

/// One streamed execution (`execution.run` or `session.execute`): output goes live to our stdout/stderr,
/// Ctrl-C (or stdout's reader going away) cancels it with `session.cancel {requestId}` and the call still
/// returns the program's cancelled result.
struct StreamedCall {
    let backend: any CancellableRPCBackend

    /// Returns the run result (for `session.execute`, its `result` with `error` beside it) and the sink.
    func run(_ method: String, params: JSONValue, sessionId: String?) async throws(RPCCallError) -> (
        result: JSONValue, sink: OutputSink
    ) {
        let id = backend.makeRequestID()
        let done = Flag()
        var cancelParams: JSONObject = ["requestId": id]
        if let sessionId { cancelParams["sessionId"] = .string(sessionId) }
        let backend = self.backend, cancelRequest = JSONValue.object(cancelParams)
        let cancel: @Sendable () -> Void = {
            Task {
                // A cancel that comes before the server registered the execution finds nothing: try again
                // until it stops something or the call is over.
                while !done.value.load(ordering: .relaxed) {
                    let answer = try? await backend.call("session.cancel", params: cancelRequest)
                    if answer?["cancelled"]?.bool == true { return }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        let sink = OutputSink(onBrokenPipe: cancel)
        defer { done.value.store(true, ordering: .relaxed) }
        let reply = try await Interrupts.shared.during(cancel) { () async throws(RPCCallError) -> JSONValue in
            try await backend.call(method, params: params, id: id, onNotification: sink.notification)
        }
        guard method == "session.execute" else { return (reply, sink) }
        var result = reply["result"]?.object ?? [:]
        result["error"] = reply["error"] ?? .null
        return (.object(result), sink)
    }
}

/// A shared boolean for closures (an `Atomic` itself cannot be captured).
final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
