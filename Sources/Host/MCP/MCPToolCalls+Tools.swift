import DriverProtocol

extension MCPToolCalls {
    func runCode(_ a: MCPArguments, progress: (@Sendable (String) -> Void)?) async throws -> MCPToolResult {
        let code = try a.string("code")
        var command: JSONObject = ["code": .string(code)]
        if let stdin = try a.optionalString("stdin") { command["stdin"] = .string(stdin) }
        if let timeout = try a.optionalNumber("timeout") { command["timeout"] = .double(timeout) }
        if let session = try a.optionalString("session_id") {
            command["type"] = "execute_code"
            if let language = try a.optionalString("language") { command["language"] = .string(language) }
            let r = try await execute(session, command, progress: progress)
            return MCPToolResult.run(
                r.result, success: r.success, error: r.error,
                extra: ["session_id": .string(session), "executionId": r.executionId ?? .null])
        }
        guard let language = try a.optionalString("language") else {
            throw MCPArguments.Problem(message: "language is required without session_id (see list_languages)")
        }
        command["language"] = .string(language)
        if progress != nil { command["stream"] = true }
        let r = try await callCancellable(
            "execution.run", params: .object(command), sessionID: nil, onNotification: Self.forward(progress))
        let fields = r.object ?? [:]
        return MCPToolResult.run(
            fields, success: fields["success"]?.bool ?? false, error: fields["error"]?.string,
            extra: ["executionId": fields["executionId"] ?? .null])
    }

    func createSession(_ a: MCPArguments) async throws -> MCPToolResult {
        var params: JSONObject = ["language": .string(try a.string("language"))]
        if let minutes = try a.optionalNumber("idle_timeout_minutes") {
            params["idleTimeoutMinutes"] = .double(minutes)
        }
        if let mb = try a.optionalNumber("memory_limit_mb") { params["memoryLimitMB"] = .int(Int(mb)) }
        let asked = try a.optionalBool("stateful")
        params["stateful"] = .bool(asked ?? true)
        var r: JSONValue
        do {
            r = try await backend.call("session.create", params: .object(params))
        } catch {
            // The language has no stateful runtime: an agent that did not ask still gets a session.
            guard asked == nil, Self.isStatefulRefusal(error) else { throw error }
            params["stateful"] = false
            r = try await backend.call("session.create", params: .object(params))
        }
        let id = r["sessionId"] ?? .null
        let stateful = r["config"]?["stateful"]?.bool ?? false
        return MCPToolResult(
            text: "session \(id.string ?? "?") (\(r["language"]?.string ?? "?")\(stateful ? ", stateful" : ""))",
            structured: [
                "session_id": id, "language": r["language"] ?? .null, "stateful": .bool(stateful),
                "created_at": r["createdAt"] ?? .null,
            ])
    }

    static func isStatefulRefusal(_ error: RPCCallError) -> Bool {
        if case .server(let code, _, let data) = error { return code == -32602 && data?["field"]?.string == "stateful" }
        return false
    }

    func fileOrShell(_ name: String, _ a: MCPArguments, progress: (@Sendable (String) -> Void)?) async throws
        -> MCPToolResult
    {
        let session = try a.string("session_id")
        var command: JSONObject
        switch name {
        case "write_file":
            command = [
                "type": "write_file", "path": .string(try a.string("path")),
                "content": .string(try a.string("content")),
            ]
            if let e = try a.optionalString("encoding") { command["encoding"] = .string(e) }
            if try a.optionalBool("append") == true { command["mode"] = "Append" }
        case "read_file":
            command = ["type": "read_file", "path": .string(try a.string("path"))]
            if let e = try a.optionalString("encoding") { command["encoding"] = .string(e) }
        case "list_files":
            command = ["type": "list_directory"]
            if let p = try a.optionalString("path") { command["path"] = .string(p) }
            if let r = try a.optionalBool("recursive") { command["recursive"] = .bool(r) }
            if let p = try a.optionalString("pattern") { command["pattern"] = .string(p) }
        case "run_shell":
            command = ["type": "execute_shell", "commandName": "sh", "args": ["-c", .string(try a.string("command"))]]
            if let stdin = try a.optionalString("stdin") { command["stdin"] = .string(stdin) }
            if let timeout = try a.optionalNumber("timeout") { command["timeout"] = .double(timeout) }
        default:  // install_packages
            command = ["type": "install_packages", "packages": JSONValue(try a.strings("packages"))]
        }
        let r = try await execute(session, command, progress: progress)
        if name == "run_shell" || name == "install_packages" {
            var extra: JSONObject = ["session_id": .string(session)]
            if let installed = r.result["installed"] { extra["installed"] = installed }
            return MCPToolResult.run(r.result, success: r.success, error: r.error, extra: extra)
        }
        guard r.success else { return .failure(r.error ?? "\(name) failed") }
        return MCPToolResult(text: Self.fileText(name, r.result), structured: r.result)
    }

    static func fileText(_ name: String, _ r: JSONObject) -> String {
        switch name {
        case "read_file":
            let content = r["content"]?.string ?? ""
            return r["truncated"]?.bool == true
                ? content + "\n[truncated: the file has \(r["size"]?.int ?? 0) bytes]" : content
        case "list_files":
            let entries = (r["entries"]?.array ?? []).map {
                "\($0["type"]?.string == "directory" ? "d" : "-") \($0["path"]?.string ?? "?") \($0["size"]?.int ?? 0)"
            }
            return entries.isEmpty ? "(empty)" : entries.joined(separator: "\n")
        default:
            return "wrote \(r["bytes"]?.int ?? 0) bytes to \(r["path"]?.string ?? "?")"
        }
    }
}
