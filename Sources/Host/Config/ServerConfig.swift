public import DriverProtocol
import FoundationEssentials
import Glibc
import Transport

/// The effective configuration: defaults, then the JSON file, then `CODEBEAKER_*` env vars, then flags.
public struct ServerConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 5039
    public var webSocketPath = "/ws/jsonrpc"
    /// Searched before the default directories (beside the binary, then the system one), which stay on unless
    /// `defaultDriversDirs` is false: a driver here shadows a default one of the same name (DriverSearchPath).
    public var driversDirs: [String] = []
    public var defaultDriversDirs = true
    /// How often the drivers directories are rescanned, so installed or removed driver packages take effect.
    public var driversRescanSeconds = 2.0
    public var workspaceRoot = "/var/lib/codebeaker/workspaces"
    /// Disk quota per workspace (0: none); each workspace is then its own volume (docs/security.md).
    public var workspaceQuotaMB = 1024
    public var workspaceMaxFiles = 65_536
    /// Formatted volumes kept ready, so session.create does not wait for mkfs.
    public var workspaceVolumePool = 4
    /// Host disk that must stay free beyond a new workspace's quota (else session.create is refused).
    public var workspaceMinFreeMB = 1024
    public var logLevel = Logger.Level.info
    public var logFormat = Logger.Format.text
    public var maxMessageBytes = 16 << 20
    /// Default and ceiling for one execution's wall-clock timeout.
    public var defaultTimeoutSeconds = 30
    public var maxTimeoutSeconds = 300
    public var maxOutputBytes = 1 << 20
    /// Transport limits (see ServerOptions): slow clients, idle sockets, memory per connection.
    public var headerTimeoutSeconds = 10.0
    public var idlePingSeconds = 30.0
    public var maxSendBufferBytes = 64 << 20
    public var maxConnections = 10_000
    /// Live sessions on the server; more are refused with -32002 (reserved atomically at create).
    public var maxSessions = 1000
    /// Serve non-loopback addresses without tokens (explicit opt-in).
    public var insecure = false
    /// Cross-site checks on the WebSocket upgrade and acting routes (docs/security.md): web origins allowed
    /// beyond loopback and same-origin pages, and Host names allowed beyond loopback and the listen address.
    /// "*" switches a check off (logged as a warning at start).
    public var allowedOrigins: [String] = []
    public var allowedHosts: [String] = []
    public var security = SecurityConfig()
    /// CPU and memory bounds on sessions (`sessionLimits`).
    public var sessionLimits = SessionLimitsConfig()
    /// KSM for sandboxed processes (MemoryMerge); off by default because merging is a cross-tenant side channel.
    public var memoryMerge = MemoryMerge.off
    /// Pre-started sandboxes per driver (`sessionPool`).
    public var sessionPool = SessionPoolConfig()
    /// Several hosts behind one proxy (docs/scaling.md): this host's id, put in session ids and returned by
    /// `session.create` as `route`; with `publicUrl`, also an `endpoint` the proxy routes to this host.
    public var hostId: String?
    public var publicUrl: String?

    public init() {}

    public static let fileKeys: Set<String> = [
        "host", "port", "webSocketPath", "driversDirs", "defaultDriversDirs", "driversRescanSeconds", "workspaceRoot",
        "logLevel", "logFormat",
        "maxMessageBytes",
        "defaultTimeoutSeconds", "maxTimeoutSeconds", "maxOutputBytes", "insecure", "security",
        "headerTimeoutSeconds", "idlePingSeconds", "maxSendBufferBytes", "maxConnections",
        "workspaceQuotaMB", "workspaceMaxFiles", "workspaceVolumePool", "workspaceMinFreeMB",
        "allowedOrigins", "allowedHosts",
        "sessionLimits", "sessionPool",
        "maxSessions", "memoryMerge", "hostId", "publicUrl",
    ]

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Applies a config file's JSON object. Unknown keys and wrong types are errors naming the key.
    public mutating func apply(json: JSONValue) throws(Error) {
        guard let o = json.object else { throw Error("config: top level must be an object") }
        for (key, v) in o {
            guard Self.fileKeys.contains(key) else { throw Error("config: unknown key '\(key)'") }
            switch key {
            case "host": host = try Self.string(v, key)
            case "port": port = try Self.int(v, key, 0...65535)
            case "webSocketPath": webSocketPath = try Self.string(v, key)
            case "driversDirs":
                guard let a = v.array, a.allSatisfy({ $0.string != nil }) else {
                    throw Error("config: 'driversDirs' must be an array of strings")
                }
                driversDirs = a.compactMap(\.string)
            case "defaultDriversDirs":
                guard let b = v.bool else { throw Error("config: 'defaultDriversDirs' must be a boolean") }
                defaultDriversDirs = b
            case "driversRescanSeconds": driversRescanSeconds = try Self.seconds(v, key)
            case "workspaceRoot": workspaceRoot = try Self.string(v, key)
            case "workspaceQuotaMB": workspaceQuotaMB = try Self.int(v, key, 0...(1 << 30))
            case "workspaceMaxFiles": workspaceMaxFiles = try Self.int(v, key, 1024...(1 << 32))
            case "workspaceVolumePool": workspaceVolumePool = try Self.int(v, key, 0...256)
            case "workspaceMinFreeMB": workspaceMinFreeMB = try Self.int(v, key, 0...(1 << 30))
            case "logLevel": try setLogLevel(try Self.string(v, key))
            case "logFormat": try setLogFormat(try Self.string(v, key))
            case "maxMessageBytes": maxMessageBytes = try Self.int(v, key, 1024...(1 << 30))
            case "defaultTimeoutSeconds": defaultTimeoutSeconds = try Self.int(v, key, 1...86400)
            case "maxTimeoutSeconds": maxTimeoutSeconds = try Self.int(v, key, 1...86400)
            case "maxOutputBytes": maxOutputBytes = try Self.int(v, key, 1024...(1 << 30))
            case "headerTimeoutSeconds": headerTimeoutSeconds = try Self.seconds(v, key)
            case "idlePingSeconds": idlePingSeconds = try Self.seconds(v, key)
            case "maxSendBufferBytes": maxSendBufferBytes = try Self.int(v, key, (64 << 10)...(1 << 32))
            case "maxConnections": maxConnections = try Self.int(v, key, 1...1_000_000)
            case "allowedOrigins": allowedOrigins = try Self.list(v, key, check: Self.originProblem)
            case "allowedHosts": allowedHosts = try Self.list(v, key, check: Self.hostProblem)
            case "maxSessions": maxSessions = try Self.int(v, key, 1...1_000_000)
            case "memoryMerge": try setMemoryMerge(try Self.string(v, key), "config: 'memoryMerge'")
            case "insecure":
                guard let b = v.bool else { throw Error("config: 'insecure' must be a boolean") }
                insecure = b
            case "security":
                do { security = try SecurityConfig(json: v) } catch { throw Error("config: security: \(error)") }
            case "sessionLimits": sessionLimits = try SessionLimitsConfig(json: v)
            case "sessionPool": sessionPool = try SessionPoolConfig(json: v)
            case "hostId": hostId = try Self.checked(try Self.string(v, key), key, HostRoute.hostIdProblem)
            case "publicUrl": publicUrl = try Self.checked(try Self.string(v, key), key, HostRoute.publicUrlProblem)
            default: break
            }
        }
    }

    /// `CODEBEAKER_HOST`, `_PORT`, `_DRIVERS_DIR` (colon-separated), `_DEFAULT_DRIVERS_DIRS` (true/false), `_WORKSPACE_ROOT`, `_WORKSPACE_QUOTA_MB`, `_POOL_SIZE`,
    /// `_ALLOWED_ORIGINS`, `_ALLOWED_HOSTS` (comma-separated), `_LOG_LEVEL`, `_LOG_FORMAT`, `_MEMORY_MERGE`,
    /// `_HOST_ID`, `_PUBLIC_URL`.
    public mutating func apply(environment env: [String: String]) throws(Error) {
        if let v = env["CODEBEAKER_HOST"] { host = v }
        if let v = env["CODEBEAKER_PORT"] {
            guard let p = Int(v), (0...65535).contains(p) else {
                throw Error("CODEBEAKER_PORT must be a port number, got '\(v)'")
            }
            port = p
        }
        if let v = env["CODEBEAKER_DRIVERS_DIR"] { driversDirs = v.split(separator: ":").map(String.init) }
        if let v = env["CODEBEAKER_DEFAULT_DRIVERS_DIRS"] {
            guard let b = ["1": true, "true": true, "0": false, "false": false][v.lowercased()] else {
                throw Error("CODEBEAKER_DEFAULT_DRIVERS_DIRS must be true or false, got '\(v)'")
            }
            defaultDriversDirs = b
        }
        if let v = env["CODEBEAKER_WORKSPACE_ROOT"] { workspaceRoot = v }
        if let v = env["CODEBEAKER_WORKSPACE_QUOTA_MB"] {
            guard let q = Int(v), q >= 0 else {
                throw Error("CODEBEAKER_WORKSPACE_QUOTA_MB must be a number of MB (0: none), got '\(v)'")
            }
            workspaceQuotaMB = q
        }
        if let v = env["CODEBEAKER_POOL_SIZE"] {
            guard let n = Int(v), (0...64).contains(n) else {
                throw Error("CODEBEAKER_POOL_SIZE must be 0-64 pre-started sandboxes per runtime, got '\(v)'")
            }
            sessionPool.size = n
        }
        if let v = env["CODEBEAKER_ALLOWED_ORIGINS"] {
            allowedOrigins = try Self.list(v, "CODEBEAKER_ALLOWED_ORIGINS", check: Self.originProblem)
        }
        if let v = env["CODEBEAKER_ALLOWED_HOSTS"] {
            allowedHosts = try Self.list(v, "CODEBEAKER_ALLOWED_HOSTS", check: Self.hostProblem)
        }
        if let v = env["CODEBEAKER_LOG_LEVEL"] { try setLogLevel(v) }
        if let v = env["CODEBEAKER_LOG_FORMAT"] { try setLogFormat(v) }
        if let v = env[MemoryMerge.environmentVariable] { try setMemoryMerge(v, MemoryMerge.environmentVariable) }
        if let v = env["CODEBEAKER_HOST_ID"] {
            hostId = try Self.checked(v, "CODEBEAKER_HOST_ID", HostRoute.hostIdProblem)
        }
        if let v = env["CODEBEAKER_PUBLIC_URL"] {
            publicUrl = try Self.checked(v, "CODEBEAKER_PUBLIC_URL", HostRoute.publicUrlProblem)
        }
    }

    public mutating func setMemoryMerge(_ s: String, _ name: String) throws(Error) {
        guard let m = MemoryMerge(parsing: s) else { throw Error("\(name) must be off, on or max, got '\(s)'") }
        memoryMerge = m
    }

    public mutating func setLogLevel(_ s: String) throws(Error) {
        guard let l = Logger.Level(name: s) else {
            throw Error("log level must be debug, info, warning or error, got '\(s)'")
        }
        logLevel = l
    }

    public mutating func setLogFormat(_ s: String) throws(Error) {
        guard let f = Logger.Format(rawValue: s) else { throw Error("log format must be text or json, got '\(s)'") }
        logFormat = f
    }

    public var json: JSONValue {
        .object([
            "host": .string(host), "port": .int(port), "webSocketPath": .string(webSocketPath),
            "driversDirs": JSONValue(driversDirs), "defaultDriversDirs": .bool(defaultDriversDirs),
            "driversRescanSeconds": .double(driversRescanSeconds),
            "workspaceRoot": .string(workspaceRoot),
            "workspaceQuotaMB": .int(workspaceQuotaMB), "workspaceMaxFiles": .int(workspaceMaxFiles),
            "workspaceVolumePool": .int(workspaceVolumePool), "workspaceMinFreeMB": .int(workspaceMinFreeMB),
            "logLevel": .string(logLevel.name), "logFormat": .string(logFormat.rawValue),
            "maxMessageBytes": .int(maxMessageBytes), "defaultTimeoutSeconds": .int(defaultTimeoutSeconds),
            "maxTimeoutSeconds": .int(maxTimeoutSeconds), "maxOutputBytes": .int(maxOutputBytes),
            "headerTimeoutSeconds": .double(headerTimeoutSeconds), "idlePingSeconds": .double(idlePingSeconds),
            "maxSendBufferBytes": .int(maxSendBufferBytes), "maxConnections": .int(maxConnections),
            "maxSessions": .int(maxSessions), "memoryMerge": .string(memoryMerge.rawValue),
            "insecure": .bool(insecure), "security": security.json, "sessionLimits": sessionLimits.json,
            "sessionPool": sessionPool.json,
            "allowedOrigins": JSONValue(allowedOrigins), "allowedHosts": JSONValue(allowedHosts),
            "hostId": JSONValue(hostId), "publicUrl": JSONValue(publicUrl),
        ])
    }

    private static func string(_ v: JSONValue, _ key: String) throws(Error) -> String {
        guard let s = v.string else { throw Error("config: '\(key)' must be a string, got \(v.typeName)") }
        return s
    }

    private static func seconds(_ v: JSONValue, _ key: String) throws(Error) -> Double {
        guard let d = v.double, d > 0, d <= 86400 else {
            throw Error("config: '\(key)' must be a number of seconds in (0, 86400]")
        }
        return d
    }

    private static func int(_ v: JSONValue, _ key: String, _ range: ClosedRange<Int>) throws(Error) -> Int {
        guard let i = v.int else { throw Error("config: '\(key)' must be an integer, got \(v.typeName)") }
        guard range.contains(i) else {
            throw Error("config: '\(key)' must be in \(range.lowerBound)...\(range.upperBound)")
        }
        return i
    }
}
