/// Limits shared by execute, shell and install.
public enum RunLimits: Sendable {
    public static let timeoutMs = 30_000
    public static let installTimeoutMs = 300_000
    public static let maxTimeoutMs = 24 * 3600 * 1000
    public static let maxOutputBytes = 1 << 20
    /// The most output a request may ask the driver to keep per stream.
    public static let maxOutputBytesLimit = 16 << 20
}

/// `execute`: run source code in the session's sandbox.
public struct ExecuteParams: DriverCallParams {
    public typealias Reply = RunReply
    public static let method = DriverWire.Method.execute
    public var session: String
    public var handle: String?
    public var language: String?
    public var code: String
    public var timeoutMs: Int
    public var stdin: String?
    public var env: [String: String]
    public var stream: Bool
    public var maxOutputBytes: Int
    public var callTimeoutMs: Int? { timeoutMs }

    public init(
        session: String, handle: String? = nil, language: String? = nil, code: String,
        timeoutMs: Int = RunLimits.timeoutMs, stdin: String? = nil, env: [String: String] = [:],
        stream: Bool = false, maxOutputBytes: Int = RunLimits.maxOutputBytes
    ) {
        self.session = session; self.handle = handle; self.language = language; self.code = code
        self.timeoutMs = timeoutMs; self.stdin = stdin; self.env = env; self.stream = stream
        self.maxOutputBytes = maxOutputBytes
    }

    public var json: JSONValue {
        [
            "session": .string(session), "handle": JSONValue(handle), "language": JSONValue(language),
            "code": .string(code),
            "timeoutMs": .int(timeoutMs), "stdin": JSONValue(stdin), "env": .sortedMap(env), "stream": .bool(stream),
            "maxOutputBytes": .int(maxOutputBytes),
        ]
    }

    public init(json: JSONValue) throws(WireError) {
        let r = try WireReader(json)
        self.init(
            session: try r.string("session"), handle: try r.optionalString("handle"),
            language: try r.optionalString("language"), code: try r.string("code"),
            timeoutMs: try r.int("timeoutMs", default: RunLimits.timeoutMs, min: 1, max: RunLimits.maxTimeoutMs),
            stdin: try r.optionalString("stdin"), env: try r.stringMap("env"),
            stream: try r.bool("stream", default: false),
            maxOutputBytes: try r.int(
                "maxOutputBytes", default: RunLimits.maxOutputBytes, min: 0, max: RunLimits.maxOutputBytesLimit))
    }
}

/// `shell`: run one argv (not a shell string) in the session's sandbox.
public struct ShellParams: DriverCallParams {
    public typealias Reply = RunReply
    public static let method = DriverWire.Method.shell
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
    public var callTimeoutMs: Int? { timeoutMs }

    public init(
        session: String, handle: String? = nil, command: String, args: [String] = [],
        cwd: String = "/workspace", env: [String: String] = [:], stdin: String? = nil,
        timeoutMs: Int = RunLimits.timeoutMs, stream: Bool = false, maxOutputBytes: Int = RunLimits.maxOutputBytes
    ) {
        self.session = session; self.handle = handle; self.command = command; self.args = args; self.cwd = cwd
        self.env = env; self.stdin = stdin; self.timeoutMs = timeoutMs; self.stream = stream
        self.maxOutputBytes = maxOutputBytes
    }

    public var json: JSONValue {
        [
            "session": .string(session), "handle": JSONValue(handle), "command": .string(command),
            "args": JSONValue(args),
            "cwd": .string(cwd), "env": .sortedMap(env), "stdin": JSONValue(stdin), "timeoutMs": .int(timeoutMs),
            "stream": .bool(stream), "maxOutputBytes": .int(maxOutputBytes),
        ]
    }

    public init(json: JSONValue) throws(WireError) {
        let r = try WireReader(json)
        self.init(
            session: try r.string("session"), handle: try r.optionalString("handle"),
            command: try r.string("command"), args: try r.strings("args"),
            cwd: try r.optionalString("cwd") ?? "/workspace", env: try r.stringMap("env"),
            stdin: try r.optionalString("stdin"),
            timeoutMs: try r.int("timeoutMs", default: RunLimits.timeoutMs, min: 1, max: RunLimits.maxTimeoutMs),
            stream: try r.bool("stream", default: false),
            maxOutputBytes: try r.int(
                "maxOutputBytes", default: RunLimits.maxOutputBytes, min: 0, max: RunLimits.maxOutputBytesLimit))
        guard !command.isEmpty else { throw WireError("field 'command' must not be empty") }
        // Defence in depth: the host sends a checked /workspace path; a driver refuses any other on its own.
        guard let inside = SandboxPath.inside(cwd) else {
            throw WireError("field 'cwd' must be a path under /workspace")
        }
        cwd = inside
    }
}

/// `install`: add packages with a package manager. A driver answers with an `InstallReply`; the host reads
/// it as a `RunReply` and passes the install fields (`installed`, `manager`) through to the client.
public struct InstallParams: DriverCallParams {
    public typealias Reply = RunReply
    public static let method = DriverWire.Method.install
    public var session: String
    public var handle: String?
    public var manager: String
    public var packages: [String]
    public var requirementsFile: String?
    public var global: Bool
    public var flags: [String]
    public var timeoutMs: Int
    public var stream: Bool
    public var callTimeoutMs: Int? { timeoutMs }

    public init(
        session: String, handle: String? = nil, manager: String, packages: [String] = [],
        requirementsFile: String? = nil, global: Bool = false, flags: [String] = [],
        timeoutMs: Int = RunLimits.installTimeoutMs, stream: Bool = false
    ) {
        self.session = session; self.handle = handle; self.manager = manager; self.packages = packages
        self.requirementsFile = requirementsFile; self.global = global; self.flags = flags
        self.timeoutMs = timeoutMs; self.stream = stream
    }

    public var json: JSONValue {
        [
            "session": .string(session), "handle": JSONValue(handle), "manager": .string(manager),
            "packages": JSONValue(packages),
            "requirementsFile": JSONValue(requirementsFile), "global": .bool(global), "flags": JSONValue(flags),
            "timeoutMs": .int(timeoutMs), "stream": .bool(stream),
        ]
    }

    public init(json: JSONValue) throws(WireError) {
        let r = try WireReader(json)
        self.init(
            session: try r.string("session"), handle: try r.optionalString("handle"),
            manager: try r.string("manager"), packages: try r.strings("packages"),
            requirementsFile: try r.optionalString("requirementsFile"), global: try r.bool("global", default: false),
            flags: try r.strings("flags"),
            timeoutMs: try r.int("timeoutMs", default: RunLimits.installTimeoutMs, min: 1, max: RunLimits.maxTimeoutMs),
            stream: try r.bool("stream", default: false))
    }
}
