public import DriverProtocol

/// `session.create` params, validated. Unknown keys are ignored (forward compatibility with the seed).
public struct SessionOptions: Sendable, Equatable {
    public var language: String
    public var runtimeType: String?
    public var runtimePreference: RuntimePreference?
    public var idleTimeoutMinutes: Double
    public var maxLifetimeMinutes: Double
    public var memoryLimitMB: Int
    public var cpuShares: Int
    /// Workspace disk quota; nil when the server enforces none.
    public var diskLimitMB: Int?
    public var dockerImage: String?
    public var permissions: JSONValue?
    public var security: JSONValue?
    /// Network access for code in the session; off by default.
    public var network: Bool
    /// Keep interpreter state between execute_code calls (needs a driver that declares `stateful`).
    public var stateful: Bool
    public var env: [String: String]

    public init(params: JSONValue, config: SessionManagerConfig) throws(RPCError) {
        if params != .null, params.object == nil { throw RPCError.invalidParams("params", "must be an object") }
        func str(_ k: String) throws(RPCError) -> String? {
            guard let v = params[k], v != .null else { return nil }
            guard let s = v.string else { throw RPCError.invalidParams(k, "must be a string, got \(v.typeName)") }
            return s
        }
        /// `lo` is exclusive when 0 (timeouts must be positive), inclusive otherwise.
        func num(_ k: String, _ def: Double, min lo: Double, max hi: Double) throws(RPCError) -> Double {
            guard let v = params[k], v != .null else { return def }
            guard let d = v.double else { throw RPCError.invalidParams(k, "must be a number, got \(v.typeName)") }
            let low = lo == 0 ? d > 0 : d >= lo
            guard low, d <= hi, d.isFinite else {
                throw RPCError.invalidParams(
                    k, "must be \(lo == 0 ? "greater than 0" : "at least \(Self.fmt(lo))") and at most \(Self.fmt(hi))")
            }
            return d
        }
        func bool(_ k: String) throws(RPCError) -> Bool {
            guard let v = params[k], v != .null else { return false }
            guard let b = v.bool else { throw RPCError.invalidParams(k, "must be a boolean, got \(v.typeName)") }
            return b
        }
        guard let language = try str("language"), !language.isEmpty else {
            throw RPCError.invalidParams("language", "is required")
        }
        try InputLimits.name(language, field: "language")
        self.language = language
        runtimeType = try str("runtimeType")
        if let r = runtimeType { try InputLimits.name(r, field: "runtimeType") }
        if let p = try str("runtimePreference") {
            guard let pref = RuntimePreference(caseInsensitive: p) else {
                throw RPCError.invalidParams(
                    "runtimePreference", "must be Speed, Security, Memory or Balanced, got \"\(p)\"")
            }
            runtimePreference = pref
        }
        idleTimeoutMinutes = try num(
            "idleTimeoutMinutes", config.defaultIdleTimeoutMinutes, min: 0, max: config.maxLifetimeCapMinutes)
        maxLifetimeMinutes = try num(
            "maxLifetimeMinutes", config.defaultMaxLifetimeMinutes, min: 0, max: config.maxLifetimeCapMinutes)
        memoryLimitMB = Int(
            try num("memoryLimitMB", Double(config.defaultMemoryLimitMB), min: 16, max: Double(config.maxMemoryLimitMB))
        )
        // A weight above the server's would take CPU from every other session: only the operator sets that.
        cpuShares = Int(
            try num("cpuShares", Double(config.defaultCpuShares), min: 2, max: Double(config.defaultCpuShares)))
        if let quota = config.workspaceQuotaMB {
            diskLimitMB = Int(try num("diskLimitMB", Double(quota), min: Double(min(16, quota)), max: Double(quota)))
        } else if let v = params["diskLimitMB"], v != .null {
            throw RPCError.invalidParams("diskLimitMB", "cannot be enforced: this server runs without workspace quotas")
        }
        dockerImage = try str("dockerImage")
        if let image = dockerImage { try InputLimits.dockerImage(image, field: "dockerImage") }
        permissions = params["permissions"].flatMap { $0 == .null ? nil : $0 }
        if let p = permissions { try InputLimits.json(p, field: "permissions") }
        security = params["security"].flatMap { $0 == .null ? nil : $0 }
        if let s = security { try InputLimits.json(s, field: "security") }
        network = try bool("network")
        stateful = try bool("stateful")
        var env: [String: String] = [:]
        if let v = params["env"], v != .null {
            guard let o = v.object else { throw RPCError.invalidParams("env", "must be an object of strings") }
            for (k, item) in o {
                guard let s = item.string else { throw RPCError.invalidParams("env.\(k)", "must be a string") }
                env[k] = s
            }
        }
        try InputLimits.env(env, field: "env")
        self.env = env
    }

    static func fmt(_ d: Double) -> String { d.rounded() == d ? String(Int(d)) : String(d) }

    /// The `config` object of the `session.create` result.
    public var configJSON: JSONValue {
        var o: JSONObject = [
            "idleTimeoutMinutes": .double(idleTimeoutMinutes), "maxLifetimeMinutes": .double(maxLifetimeMinutes),
            "memoryLimitMB": .int(memoryLimitMB), "cpuShares": .int(cpuShares), "network": .bool(network),
            "stateful": .bool(stateful),
        ]
        if let diskLimitMB { o["diskLimitMB"] = .int(diskLimitMB) }
        if let runtimePreference { o["runtimePreference"] = .string(runtimePreference.rawValue) }
        if let dockerImage { o["dockerImage"] = .string(dockerImage) }
        if let permissions { o["permissions"] = permissions }
        return .object(o)
    }
}
