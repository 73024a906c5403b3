public import DriverProtocol

/// Runs one tool through CodeBeaker's JSON-RPC API (`RPCBackend`: in-process or a running server).
/// Cancelling the calling Task cancels the execution (the backend forwards it).
public struct MCPToolCalls: Sendable {
    public let backend: any RPCBackend

    public init(backend: any RPCBackend) { self.backend = backend }

    /// `progress` receives output lines and install progress while a run streams (nil: no streaming).
    public func call(_ name: String, arguments: JSONObject, progress: (@Sendable (String) -> Void)?) async
        -> MCPToolResult
    {
        guard let tool = MCPTools.list.first(where: { $0["name"]?.string == name }) else {
            return .failure("unknown tool \(name)")
        }
        do {
            let args = try MCPArguments(arguments, tool: tool)
            return try await run(name, args, progress: progress)
        } catch let problem as MCPArguments.Problem {
            return .failure("invalid arguments for \(name): \(problem.message)")
        } catch let error as RPCCallError {
            return .failure(Self.describe(error))
        } catch {
            return .failure("\(error)")
        }
    }

    static func describe(_ error: RPCCallError) -> String {
        switch error {
        case .server(let code, let message, _) where code == -32001:
            return "\(message) (closed or expired; create a new one with create_session)"
        case .server(_, let message, _): return message
        case .transport(let reason): return "CodeBeaker is not reachable: \(reason)"
        }
    }

    private func run(_ name: String, _ a: MCPArguments, progress: (@Sendable (String) -> Void)?) async throws
        -> MCPToolResult
    {
        switch name {
        case "run_code": return try await runCode(a, progress: progress)
        case "create_session": return try await createSession(a)
        case "close_session":
            let id = try a.string("session_id")
            _ = try await backend.call("session.close", params: ["sessionId": .string(id)])
            return MCPToolResult(text: "closed \(id)", structured: ["session_id": .string(id), "closed": true])
        case "list_sessions":
            let r = try await backend.call("session.list")
            let sessions = (r["sessions"]?.array ?? []).map { s -> JSONValue in
                .object([
                    "session_id": s["sessionId"] ?? .null, "language": s["language"] ?? .null,
                    "state": s["state"] ?? .null, "created_at": s["createdAt"] ?? .null,
                    "execution_count": s["executionCount"] ?? .null,
                ])
            }
            let lines = sessions.map {
                "\($0["session_id"]?.string ?? "?") \($0["language"]?.string ?? "?") \($0["state"]?.string ?? "")"
            }
            return MCPToolResult(
                text: sessions.isEmpty ? "no open sessions" : lines.joined(separator: "\n"),
                structured: ["sessions": .array(sessions), "count": .int(sessions.count)])
        case "list_languages":
            let r = try await backend.call("language.list")
            let langs = r["languages"]?.array ?? []
            let names = langs.compactMap { $0["language"]?.string ?? $0["name"]?.string ?? $0.string }
            return MCPToolResult(
                text: names.isEmpty ? JSONWriter.string(r) : names.joined(separator: ", "),
                structured: ["languages": .array(langs)])
        default: return try await fileOrShell(name, a, progress: progress)
        }
    }

    /// `session.execute` with one command; file commands give their result, runs a run result.
    func execute(_ session: String, _ command: JSONObject, progress: (@Sendable (String) -> Void)?) async throws
        -> (result: JSONObject, success: Bool, error: String?, executionId: JSONValue?)
    {
        var params: JSONObject = ["sessionId": .string(session), "command": .object(command)]
        if progress != nil { params["stream"] = true }
        let r = try await callCancellable(
            "session.execute", params: .object(params), sessionID: session, onNotification: Self.forward(progress))
        return (r["result"]?.object ?? [:], r["success"]?.bool ?? false, r["error"]?.string, r["executionId"])
    }

    static func forward(_ progress: (@Sendable (String) -> Void)?) -> @Sendable (String, JSONValue) -> Void {
        guard let progress else { return { _, _ in } }
        return { method, params in
            switch method {
            case "session.output": if let data = params["data"]?.string { progress(data) }
            case "session.progress": if let m = params["message"]?.string { progress(m) }
            default: break
            }
        }
    }
}
