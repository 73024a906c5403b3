public import DriverProtocol

/// One execution sent to a persistent runner (see Runner/README in docs/driver-protocol.md, "Runner protocol").
public struct RunnerJob: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Source code the runner evaluates as a fresh program (or in the persistent namespace when stateful).
        case code(String)
        /// An argv the runner fork+execs inside the sandbox.
        case command([String])
    }

    public var kind: Kind
    public var stdin: String?
    public var env: [String: String]
    public var cwd: String
    public var timeoutMs: Int
    public var maxOutputBytes: Int

    public init(
        kind: Kind, stdin: String? = nil, env: [String: String] = [:], cwd: String = "/workspace",
        timeoutMs: Int = RequestDefaults.timeoutMs, maxOutputBytes: Int = RequestDefaults.maxOutputBytes
    ) {
        self.kind = kind; self.stdin = stdin; self.env = env; self.cwd = cwd; self.timeoutMs = timeoutMs
        self.maxOutputBytes = maxOutputBytes
    }

    public init(_ r: ExecuteRequest) {
        self.init(
            kind: .code(r.code), stdin: r.stdin, env: r.env, timeoutMs: r.timeoutMs, maxOutputBytes: r.maxOutputBytes)
    }

    public init(_ r: ShellRequest) {
        let cwd = r.cwd.hasPrefix("/") ? r.cwd : "/workspace/" + r.cwd
        self.init(
            kind: .command([r.command] + r.args), stdin: r.stdin, env: r.env, cwd: cwd,
            timeoutMs: r.timeoutMs, maxOutputBytes: r.maxOutputBytes)
    }

    /// The control line for the runner (newline included).
    func frame(id: Int) -> [UInt8] {
        var o: JSONObject = ["op": "exec", "id": .int(id)]
        switch kind {
        case .code(let c): o["kind"] = "code"; o["code"] = .string(c)
        case .command(let argv): o["kind"] = "shell"; o["argv"] = JSONValue(argv)
        }
        o["stdin"] = JSONValue(stdin)
        o["env"] = .object(JSONObject(env.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        o["cwd"] = .string(cwd)
        o["timeoutMs"] = .int(timeoutMs)
        var line = JSONWriter.bytes(.object(o))
        line.append(0x0A)
        return line
    }
}
