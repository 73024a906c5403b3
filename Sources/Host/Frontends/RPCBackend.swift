public import DriverProtocol

/// How the command line and the MCP server reach CodeBeaker's JSON-RPC methods: in-process, through an
/// embedded host's router (`InProcessBackend`), or a running server over a WebSocket (`--server URL`).
public protocol RPCBackend: Sendable {
    /// Calls `method` and returns its result. `onNotification` receives the notifications the server sends for
    /// this call (`session.output`, `session.progress`; they carry the call's `requestId`).
    func call(
        _ method: String, params: JSONValue,
        onNotification: @escaping @Sendable (_ method: String, _ params: JSONValue) -> Void
    ) async throws(RPCCallError) -> JSONValue

    /// Ends the connection: the server cancels the executions it still runs for it.
    func close() async
}

extension RPCBackend {
    public func call(_ method: String, params: JSONValue = .object([:])) async throws(RPCCallError) -> JSONValue {
        try await call(method, params: params, onNotification: { _, _ in })
    }
}

/// Why a call failed: the server answered with a JSON-RPC error, or the connection failed.
public enum RPCCallError: Error, Sendable, CustomStringConvertible {
    case server(code: Int, message: String, data: JSONValue?)
    case transport(String)

    public var description: String {
        switch self {
        case .server(let code, let message, _): "\(message) (\(code))"
        case .transport(let reason): reason
        }
    }

    /// Reads a JSON-RPC reply object: its `result`, or its `error` as `.server`.
    public static func result(of reply: JSONValue?) throws(RPCCallError) -> JSONValue {
        guard let object = reply?.object else { throw .transport("no reply") }
        if let error = object["error"]?.object {
            throw .server(
                code: error["code"]?.int ?? -32603, message: error["message"]?.string ?? "error", data: error["data"])
        }
        return object["result"] ?? .null
    }
}
