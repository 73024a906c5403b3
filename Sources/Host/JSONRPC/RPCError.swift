public import DriverProtocol

/// One JSON-RPC error: `{code, message, data}`. Anything thrown that is not an RPCError becomes -32603
/// with a generic message, so no stack trace or internal detail ever reaches a client.
public struct RPCError: Error, Sendable, Equatable {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code; self.message = message; self.data = data
    }

    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: -32700, message: "Parse error", data: .string(detail))
    }
    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: -32600, message: "Invalid Request", data: .string(detail))
    }
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: -32601, message: "Method not found", data: ["method": .string(method)])
    }
    /// Names the offending field and why, e.g. invalidParams("sessionId", "is required").
    public static func invalidParams(_ field: String, _ reason: String) -> RPCError {
        RPCError(
            code: -32602, message: "Invalid params: \(field) \(reason)",
            data: ["field": .string(field), "reason": .string(reason)])
    }
    public static func internalError(_ detail: String = "internal error") -> RPCError {
        RPCError(code: -32603, message: "Internal error", data: .string(detail))
    }

    // Application errors (-32000 to -32099).
    public static func sessionNotFound(_ id: String) -> RPCError {
        RPCError(code: -32001, message: "Session not found: \(id)")
    }
    public static func rateLimited(_ message: String, retryAfterMs: Int) -> RPCError {
        RPCError(code: -32029, message: message, data: ["retryAfterMs": .int(retryAfterMs)])
    }
    public static func unauthorized(_ message: String) -> RPCError { RPCError(code: -32010, message: message) }
    public static func securityViolation(rule: String, _ message: String) -> RPCError {
        RPCError(code: -32011, message: message, data: ["rule": .string(rule)])
    }
    public static func unavailable(_ message: String, data: JSONValue? = nil) -> RPCError {
        RPCError(code: -32002, message: message, data: data)
    }

    public var json: JSONValue {
        var o: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { o["data"] = data }
        return .object(o)
    }
}
