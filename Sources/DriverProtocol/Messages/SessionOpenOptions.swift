/// `session.open`'s `options`: the limits and identity the host chose for the session.
/// (The host's client-facing `SessionOptions` is a different, larger thing; this is what reaches the driver.)
public struct SessionOpenOptions: Sendable, Equatable {
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
    public var cpuQuotaPercent: Int
    /// Memory limit of the parent cgroup holding every session; 0: leave it as it is.
    public var allSessionsMemoryMB: Int
    /// Stateful sessions: CPU seconds background work may use between executions; 0: unlimited.
    public var idleCpuSeconds: Double
    /// Answer only once the session's runner is ready, not when its start is admitted (the host's pool of
    /// pre-started sandboxes asks for this; a driver without a runner ignores it). Sent only when true.
    public var waitReady = false
    /// Fields this type does not know, as sent (driver-specific extras); encoded after the known ones.
    public var extra: JSONObject

    public init(
        memoryLimitMB: Int = 512, cpuShares: Int = 1024, pidsLimit: Int = 256, network: Bool = false,
        stateful: Bool = false, uid: Int? = nil, gid: Int? = nil, dockerImage: String? = nil,
        permissions: JSONValue? = nil, env: [String: String] = [:], cpuQuotaPercent: Int = 0,
        allSessionsMemoryMB: Int = 0, idleCpuSeconds: Double = 0, extra: JSONObject = JSONObject()
    ) {
        self.memoryLimitMB = memoryLimitMB; self.cpuShares = cpuShares; self.pidsLimit = pidsLimit
        self.network = network; self.stateful = stateful; self.uid = uid; self.gid = gid
        self.dockerImage = dockerImage; self.permissions = permissions; self.env = env
        self.cpuQuotaPercent = cpuQuotaPercent; self.allSessionsMemoryMB = allSessionsMemoryMB
        self.idleCpuSeconds = idleCpuSeconds; self.extra = extra
    }

    static let fields: Set<String> = [
        "memoryLimitMB", "cpuShares", "pidsLimit", "network", "stateful", "uid", "gid",
        "dockerImage", "permissions", "env", "cpuQuotaPercent", "allSessionsMemoryMB",
        "idleCpuSeconds", "waitReady",
    ]

    public var json: JSONValue {
        var o: JSONObject = [
            "memoryLimitMB": .int(memoryLimitMB), "cpuShares": .int(cpuShares), "pidsLimit": .int(pidsLimit),
            "network": .bool(network), "stateful": .bool(stateful), "uid": JSONValue(uid), "gid": JSONValue(gid),
            "dockerImage": JSONValue(dockerImage), "permissions": permissions ?? .null, "env": .sortedMap(env),
            "cpuQuotaPercent": .int(cpuQuotaPercent), "allSessionsMemoryMB": .int(allSessionsMemoryMB),
            "idleCpuSeconds": .double(idleCpuSeconds),
        ]
        if waitReady { o["waitReady"] = true }
        for (k, v) in extra where o[k] == nil { o[k] = v }
        return .object(o)
    }

    /// Strict: out-of-range limits and identities are -32602. A missing object gives the defaults.
    public init(json: JSONValue?) throws(WireError) {
        guard let json, json != .null else { self.init(); return }
        let r = try WireReader(json)
        self.init(
            memoryLimitMB: try r.int("memoryLimitMB", default: 512, min: 16, max: 1 << 20),
            cpuShares: try r.int("cpuShares", default: 1024, min: 2, max: 262_144),
            pidsLimit: try r.int("pidsLimit", default: 256, min: 4, max: 1 << 20),
            network: try r.bool("network", default: false),
            stateful: try r.bool("stateful", default: false),
            uid: try r.optionalInt("uid"), gid: try r.optionalInt("gid"),
            dockerImage: try r.optionalString("dockerImage"),
            permissions: r.raw("permissions"),
            env: try r.stringMap("env"),
            cpuQuotaPercent: try r.int("cpuQuotaPercent", default: 0, min: 0, max: 100_000),
            allSessionsMemoryMB: try r.int("allSessionsMemoryMB", default: 0, min: 0, max: 1 << 30))
        if let v = r.raw("idleCpuSeconds") {
            guard let d = v.double, d >= 0, d <= 86_400 else {
                throw WireError("field 'options.idleCpuSeconds' must be 0...86400 seconds")
            }
            idleCpuSeconds = d
        }
        waitReady = try r.bool("waitReady", default: false)
        if let uid, uid <= 0 || uid > 0x7fff_ffff {
            throw WireError("field 'options.uid' must be a positive uid, got \(uid)")
        }
        if let gid, gid <= 0 || gid > 0x7fff_ffff {
            throw WireError("field 'options.gid' must be a positive gid, got \(gid)")
        }
        for (k, v) in json.object ?? JSONObject() where !Self.fields.contains(k) { extra[k] = v }
    }
}
