public import DriverProtocol

/// A `tools/call` result: text for the model, `structuredContent` for programs, `isError` for tool failures.
public struct MCPToolResult: Sendable, Equatable {
    public var text: String
    public var structured: JSONObject?
    public var isError: Bool

    public init(text: String, structured: JSONObject? = nil, isError: Bool = false) {
        self.text = text; self.structured = structured; self.isError = isError
    }

    public static func failure(_ message: String) -> MCPToolResult { MCPToolResult(text: message, isError: true) }

    public var json: JSONValue {
        var o: JSONObject = [
            "content": .array([.object(["type": "text", "text": .string(text)])]), "isError": .bool(isError),
        ]
        if let structured { o["structuredContent"] = .object(structured) }
        return .object(o)
    }

    static let runFields = [
        "exitCode", "stdout", "stderr", "durationMs", "signal", "timedOut", "cancelled", "truncated",
        "stdoutTruncated", "stderrTruncated", "reason",
    ]

    /// A run result (`execution.run`'s top level, or `session.execute`'s `result` plus its `success`/`error`),
    /// as structured content with the API's truncation flags and a text an agent reads at a glance.
    static func run(_ fields: JSONObject, success: Bool, error: String?, extra: JSONObject = [:]) -> MCPToolResult {
        var s = JSONObject()
        for key in runFields { if let v = fields[key] { s[key] = v } }
        s["success"] = .bool(success)
        s["error"] = JSONValue(error)
        for (k, v) in extra { s[k] = v }
        var text = fields["stdout"]?.string ?? ""
        if let stderr = fields["stderr"]?.string, !stderr.isEmpty {
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            text += "[stderr]\n" + stderr
        }
        if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        var notes: [String] = []
        if fields["stdoutTruncated"]?.bool == true { notes.append("stdout was truncated") }
        if fields["stderrTruncated"]?.bool == true { notes.append("stderr was truncated") }
        if success {
            notes.insert("exit code 0", at: 0)
        } else {
            notes.insert(error ?? "exit code \(fields["exitCode"]?.int.map(String.init) ?? "none")", at: 0)
        }
        text += "[" + notes.joined(separator: "; ") + "]"
        return MCPToolResult(text: text, structured: s)
    }
}
