import DriverProtocol

/// `session.open` (docs/driver-protocol.md).
public struct OpenSessionRequest: Sendable, Equatable {
    public var session: String
    /// Host directory mounted at /workspace, owned by `options.uid`.
    public var workspace: String
    public var language: String?
    /// Set when the host re-opens after a driver restart; re-adopt if possible.
    public var handle: String?
    public var options: SessionOptions

    public init(session: String, workspace: String, language: String? = nil, handle: String? = nil, options: SessionOptions = .init()) {
        self.session = session; self.workspace = workspace; self.language = language; self.handle = handle; self.options = options
    }

    public init(params: JSONValue) throws(DriverError) {
        let r = try ParamReader(params)
        self.init(session: try r.string("session"), workspace: try r.string("workspace"),
                  language: try r.optionalString("language"), handle: try r.optionalString("handle"),
                  options: try SessionOptions(r.object("options")))
        guard workspace.hasPrefix("/") else { throw .invalidParams("field 'workspace' must be an absolute path") }
    }
}

public struct OpenSessionResult: Sendable, Equatable {
    public var handle: String
    public var containerId: String?
    /// Extra fields a driver wants to report (e.g. `isolation`).
    public var extra: JSONObject

    public init(handle: String, containerId: String? = nil, extra: JSONObject = JSONObject()) {
        self.handle = handle; self.containerId = containerId; self.extra = extra
    }

    public var json: JSONValue {
        var o: JSONObject = ["handle": .string(handle), "containerId": JSONValue(containerId)]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }
}

/// `session.close`.
public struct CloseSessionRequest: Sendable, Equatable {
    public var session: String
    public var handle: String?
    public init(session: String, handle: String? = nil) { self.session = session; self.handle = handle }
    public init(params: JSONValue) throws(DriverError) {
        let r = try ParamReader(params)
        self.init(session: try r.string("session"), handle: try r.optionalString("handle"))
    }
}

/// Limits shared by execute, shell and install.
public enum RequestDefaults {
    public static let timeoutMs = 30_000
    public static let maxTimeoutMs = 24 * 3600 * 1000
    public static let maxOutputBytes = 1 << 20
}

/// `execute`: run source code in the session's sandbox.
public struct ExecuteRequest: Sendable, Equatable {
    public var requestId: Int
    public var session: String
    public var handle: String?
    public var language: String?
    public var code: String
    public var timeoutMs: Int
    public var stdin: String?
    public var env: [String: String]
    public var stream: Bool
    public var maxOutputBytes: Int

    public init(requestId: Int = 0, session: String, handle: String? = nil, language: String? = nil, code: String,
                timeoutMs: Int = RequestDefaults.timeoutMs, stdin: String? = nil, env: [String: String] = [:],
                stream: Bool = false, maxOutputBytes: Int = RequestDefaults.maxOutputBytes) {
        self.requestId = requestId; self.session = session; self.handle = handle; self.language = language
        self.code = code; self.timeoutMs = timeoutMs; self.stdin = stdin; self.env = env; self.stream = stream
        self.maxOutputBytes = maxOutputBytes
    }

    public init(requestId: Int, params: JSONValue) throws(DriverError) {
        let r = try ParamReader(params)
        self.init(requestId: requestId, session: try r.string("session"), handle: try r.optionalString("handle"),
                  language: try r.optionalString("language"), code: try r.string("code"),
                  timeoutMs: try r.int("timeoutMs", default: RequestDefaults.timeoutMs, min: 1, max: RequestDefaults.maxTimeoutMs),
                  stdin: try r.optionalString("stdin"), env: try r.stringMap("env"), stream: try r.bool("stream", default: false),
                  maxOutputBytes: try r.int("maxOutputBytes", default: RequestDefaults.maxOutputBytes, min: 0, max: 16 << 20))
    }
}

/// `shell`: run one argv (not a shell string) in the session's sandbox.
public struct ShellRequest: Sendable, Equatable {
    public var requestId: Int
    public var session: String
    public var handle: String?
    public var command: String
    public var args: [String]
    /// Path inside the sandbox; relative paths are under /workspace.
    public var cwd: String
    public var env: [String: String]
    public var stdin: String?
    public var timeoutMs: Int
    public var stream: Bool
    public var maxOutputBytes: Int

    public init(requestId: Int = 0, session: String, handle: String? = nil, command: String, args: [String] = [],
                cwd: String = "/workspace", env: [String: String] = [:], stdin: String? = nil,
                timeoutMs: Int = RequestDefaults.timeoutMs, stream: Bool = false,
                maxOutputBytes: Int = RequestDefaults.maxOutputBytes) {
        self.requestId = requestId; self.session = session; self.handle = handle; self.command = command
        self.args = args; self.cwd = cwd; self.env = env; self.stdin = stdin; self.timeoutMs = timeoutMs
        self.stream = stream; self.maxOutputBytes = maxOutputBytes
    }

    public init(requestId: Int, params: JSONValue) throws(DriverError) {
        let r = try ParamReader(params)
        self.init(requestId: requestId, session: try r.string("session"), handle: try r.optionalString("handle"),
                  command: try r.string("command"), args: try r.strings("args"),
                  cwd: try r.optionalString("cwd") ?? "/workspace", env: try r.stringMap("env"),
                  stdin: try r.optionalString("stdin"),
                  timeoutMs: try r.int("timeoutMs", default: RequestDefaults.timeoutMs, min: 1, max: RequestDefaults.maxTimeoutMs),
                  stream: try r.bool("stream", default: false),
                  maxOutputBytes: try r.int("maxOutputBytes", default: RequestDefaults.maxOutputBytes, min: 0, max: 16 << 20))
        guard !command.isEmpty else { throw .invalidParams("field 'command' must not be empty") }
        // Defence in depth: the host sends a checked /workspace path; a driver refuses any other on its own.
        guard let inside = SandboxPath.inside(cwd) else { throw .invalidParams("field 'cwd' must be a path under /workspace") }
        cwd = inside
    }
}

/// `install`: add packages with a package manager.
public struct InstallRequest: Sendable, Equatable {
    public var requestId: Int
    public var session: String
    public var handle: String?
    public var manager: String
    public var packages: [String]
    public var requirementsFile: String?
    public var global: Bool
    public var flags: [String]
    public var timeoutMs: Int
    public var stream: Bool

    public init(requestId: Int, params: JSONValue) throws(DriverError) {
        let r = try ParamReader(params)
        self.requestId = requestId
        session = try r.string("session"); handle = try r.optionalString("handle")
        manager = try r.string("manager"); packages = try r.strings("packages")
        requirementsFile = try r.optionalString("requirementsFile"); global = try r.bool("global", default: false)
        flags = try r.strings("flags")
        timeoutMs = try r.int("timeoutMs", default: 300_000, min: 1, max: RequestDefaults.maxTimeoutMs)
        stream = try r.bool("stream", default: false)
    }
}
