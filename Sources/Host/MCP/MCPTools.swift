public import DriverProtocol

/// The tools the MCP server offers, each with a JSON Schema for its arguments (`tools/list`).
public enum MCPTools: Sendable {
    static func schema(_ properties: [(String, String, String)], required: [String] = []) -> JSONValue {
        var props = JSONObject()
        for (name, type, description) in properties {
            if type == "string[]" {
                props[name] = .object([
                    "type": "array", "items": .object(["type": "string"]), "description": .string(description),
                ])
            } else {
                props[name] = .object(["type": .string(type), "description": .string(description)])
            }
        }
        return .object([
            "type": "object", "properties": .object(props), "required": JSONValue(required),
            "additionalProperties": false,
        ])
    }

    static let sessionID = ("session_id", "string", "a session from create_session")

    static func tool(_ name: String, _ title: String, _ description: String, _ input: JSONValue, readOnly: Bool = false)
        -> JSONValue
    {
        .object([
            "name": .string(name), "title": .string(title), "description": .string(description),
            "inputSchema": input,
            "annotations": .object(["readOnlyHint": .bool(readOnly), "openWorldHint": false]),
        ])
    }

    public static let list: [JSONValue] = [
        tool(
            "run_code", "Run code",
            "Runs a program in a sandbox and returns its stdout, stderr and exit code. Without session_id it runs in a fresh sandbox that is removed afterwards; with session_id it runs in that session (its files, and in a stateful session its variables, are kept).",
            schema(
                [
                    (
                        "language", "string",
                        "python, javascript, typescript, ... (see list_languages); required without session_id"
                    ),
                    ("code", "string", "the program"),
                    ("session_id", "string", "run in this session (from create_session)"),
                    ("stdin", "string", "standard input for the program"),
                    ("timeout", "number", "seconds before the run is stopped (default 30)"),
                ], required: ["code"])),
        tool(
            "create_session", "Create session",
            "Creates a sandbox session that keeps its files (and, when stateful, its interpreter state) across calls until close_session or until it expires. Returns session_id.",
            schema(
                [
                    ("language", "string", "python, javascript, typescript, ... (see list_languages)"),
                    (
                        "stateful", "boolean",
                        "keep variables between run_code calls, like a notebook (default true when the language supports it)"
                    ),
                    ("idle_timeout_minutes", "number", "closed after this long without a call (default 30)"),
                    ("memory_limit_mb", "integer", "memory limit of the sandbox (default 512)"),
                ], required: ["language"])),
        tool(
            "close_session", "Close session", "Closes a session and deletes its files.",
            schema([sessionID], required: ["session_id"])),
        tool("list_sessions", "List sessions", "Lists your open sessions.", schema([]), readOnly: true),
        tool(
            "write_file", "Write file",
            "Writes a file in a session's workspace (/workspace; relative paths are inside it).",
            schema(
                [
                    sessionID, ("path", "string", "file path, e.g. data.csv or /workspace/src/a.py"),
                    ("content", "string", "the file's content"),
                    ("encoding", "string", "utf-8 (default) or base64"),
                    ("append", "boolean", "append instead of replacing"),
                ], required: ["session_id", "path", "content"])),
        tool(
            "read_file", "Read file", "Reads a file from a session's workspace (at most 10 MiB; truncated beyond).",
            schema(
                [sessionID, ("path", "string", "file path"), ("encoding", "string", "utf-8 (default) or base64")],
                required: ["session_id", "path"]), readOnly: true),
        tool(
            "list_files", "List files", "Lists a directory of a session's workspace.",
            schema(
                [
                    sessionID, ("path", "string", "directory (default /workspace)"),
                    ("recursive", "boolean", "include subdirectories"),
                    ("pattern", "string", "shell glob on names, e.g. *.py"),
                ], required: ["session_id"]), readOnly: true),
        tool(
            "run_shell", "Run shell command",
            "Runs a shell command line (sh -c) in a session's sandbox, in /workspace.",
            schema(
                [
                    sessionID, ("command", "string", "the command line, e.g. ls -la | head"),
                    ("stdin", "string", "standard input"), ("timeout", "number", "seconds (default 30)"),
                ], required: ["session_id", "command"])),
        tool(
            "install_packages", "Install packages",
            "Installs packages into a session with its language's package manager (pip, npm, ...).",
            schema(
                [sessionID, ("packages", "string[]", "package specs, e.g. [\"six==1.16.0\"]")],
                required: ["session_id", "packages"])),
        tool(
            "list_languages", "List languages", "Lists the languages this server can run.", schema([]), readOnly: true),
    ]

    public static let names: Set<String> = Set(list.compactMap { $0["name"]?.string })
}
