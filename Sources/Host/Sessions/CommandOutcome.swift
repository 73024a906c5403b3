public import DriverProtocol

/// The `session.execute` result: `{success, result, error, durationMs}` exactly as the seeds show.
/// A failed command (missing file, non-zero exit, timeout) is `success:false` with `error`, never a JSON-RPC error.
public struct CommandOutcome: Sendable, Equatable {
    public var success: Bool
    public var result: JSONValue
    public var error: String?
    public var durationMs: Int
    /// Set for executions (code, shell, install): the id `execution.status` and `execution.cancel` accept.
    public var executionId: String?

    public init(success: Bool, result: JSONValue, error: String?, durationMs: Int, executionId: String? = nil) {
        self.success = success; self.result = result; self.error = error; self.durationMs = durationMs;
        self.executionId = executionId
    }

    public static func failure(
        _ message: String, durationMs: Int, result: JSONValue = .null, executionId: String? = nil
    ) -> CommandOutcome {
        CommandOutcome(success: false, result: result, error: message, durationMs: durationMs, executionId: executionId)
    }

    public var json: JSONValue {
        var o: JSONObject = [
            "success": .bool(success), "result": result, "error": JSONValue(error), "durationMs": .int(durationMs),
        ]
        if let executionId { o["executionId"] = .string(executionId) }
        return .object(o)
    }
}
