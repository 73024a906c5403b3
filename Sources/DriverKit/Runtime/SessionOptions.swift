import DriverProtocol

/// `session.open`'s `options`: limits and identity the host chose for the session.
public struct SessionOptions: Sendable, Equatable {
    public var memoryLimitMB: Int
    public var cpuShares: Int
    public var pidsLimit: Int
    public var network: Bool
    public var stateful: Bool
    /// The unprivileged identity for this session's processes; nil means the driver picks one.
    public var uid: Int?
    public var gid: Int?
    public var dockerImage: String?
    public var permissions: JSONValue?
    public var env: [String: String]
    /// Hard CPU cap in percent of one core; 0: none (the host's `sessionLimits.cpuQuotaPercent`).
    public var cpuQuotaPercent = 0
    /// Memory limit of the parent cgroup holding every session; 0: leave it as it is.
    public var allSessionsMemoryMB = 0
    /// Stateful sessions: CPU seconds background work may use between executions; 0: unlimited.
    public var idleCpuSeconds = 0.0
    /// The options object as sent, for driver-specific extras.
    public var raw: JSONValue

    public init(memoryLimitMB: Int = 512, cpuShares: Int = 1024, pidsLimit: Int = 256, network: Bool = false,
                stateful: Bool = false, uid: Int? = nil, gid: Int? = nil, dockerImage: String? = nil,
                permissions: JSONValue? = nil, env: [String: String] = [:], raw: JSONValue = .object(JSONObject())) {
        self.memoryLimitMB = memoryLimitMB; self.cpuShares = cpuShares; self.pidsLimit = pidsLimit
        self.network = network; self.stateful = stateful; self.uid = uid; self.gid = gid
        self.dockerImage = dockerImage; self.permissions = permissions; self.env = env; self.raw = raw
    }

    public init(_ r: ParamReader?) throws(DriverError) {
        guard let r else { self.init(); return }
        self.init(
            memoryLimitMB: try r.int("memoryLimitMB", default: 512, min: 16, max: 1 << 20),
            cpuShares: try r.int("cpuShares", default: 1024, min: 2, max: 262_144),
            pidsLimit: try r.int("pidsLimit", default: 256, min: 4, max: 1 << 20),
            network: try r.bool("network", default: false),
            stateful: try r.bool("stateful", default: false),
            uid: try r.optionalInt("uid"), gid: try r.optionalInt("gid"),
            dockerImage: try r.optionalString("dockerImage"),
            permissions: r.params["permissions"],
            env: try r.stringMap("env"),
            raw: r.params)
        cpuQuotaPercent = try r.int("cpuQuotaPercent", default: 0, min: 0, max: 100_000)
        allSessionsMemoryMB = try r.int("allSessionsMemoryMB", default: 0, min: 0, max: 1 << 30)
        if let v = r.params["idleCpuSeconds"], v != .null {
            guard let d = v.double, d >= 0, d <= 86_400 else { throw .invalidParams("field 'options.idleCpuSeconds' must be 0...86400 seconds") }
            idleCpuSeconds = d
        }
        if let uid, uid <= 0 || uid > 0x7fff_ffff { throw .invalidParams("field 'options.uid' must be a positive uid, got \(uid)") }
        if let gid, gid <= 0 || gid > 0x7fff_ffff { throw .invalidParams("field 'options.gid' must be a positive gid, got \(gid)") }
    }
}
