public import DriverProtocol

/// `sessionPool` in the config file: how many pre-started sandboxes (opened, runner ready, never used) the
/// server keeps per driver, so `session.create` and `execution.run` with default options skip the sandbox
/// start (docs/configuration.md, "Sandbox pool").
public struct SessionPoolConfig: Sendable, Equatable {
    /// The drivers `size` applies to: the built-in ones with a persistent runner. Others (docker, runtimes,
    /// drivers from --drivers-dir) get a pool only when `drivers` names them.
    public static let nativeDrivers: Set<String> = ["python", "node", "deno", "bun"]

    /// Ready sandboxes per native driver; 0 disables the pool (`--pool-size`).
    public var size = 2
    /// Per-driver sizes that override `size`, e.g. {"node": 4, "deno": 0}.
    public var drivers: [String: Int] = [:]
    /// Pool starts running at once (cold starts of real sessions always go first).
    public var maxParallelStarts = 1

    public init() {}

    /// No pool at all.
    public static var off: SessionPoolConfig {
        var c = SessionPoolConfig()
        c.size = 0
        return c
    }

    public static let keys: Set<String> = ["size", "drivers", "maxParallelStarts"]

    public init(json: JSONValue) throws(ServerConfig.Error) {
        guard let o = json.object else { throw ServerConfig.Error("config: 'sessionPool' must be an object") }
        func integer(_ v: JSONValue, _ key: String, _ range: ClosedRange<Int>) throws(ServerConfig.Error) -> Int {
            guard let i = v.int, range.contains(i) else {
                throw ServerConfig.Error(
                    "config: sessionPool.\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(v)"
                )
            }
            return i
        }
        for (key, v) in o {
            switch key {
            case "size": size = try integer(v, key, 0...64)
            case "maxParallelStarts": maxParallelStarts = try integer(v, key, 1...64)
            case "drivers":
                guard let d = v.object else {
                    throw ServerConfig.Error("config: sessionPool.drivers must be an object")
                }
                for (name, n) in d { drivers[name] = try integer(n, "drivers.\(name)", 0...64) }
            default: throw ServerConfig.Error("config: sessionPool: unknown key '\(key)'")
            }
        }
    }

    public var json: JSONValue {
        [
            "size": .int(size), "maxParallelStarts": .int(maxParallelStarts),
            "drivers": .object(
                JSONObject(drivers.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) })),
        ]
    }

    /// Ready sandboxes per driver name (drivers with 0 left out).
    public var targets: [String: Int] {
        var t: [String: Int] = [:]
        for name in Self.nativeDrivers where size > 0 { t[name] = size }
        for (name, n) in drivers { t[name] = n }
        return t.filter { $0.value > 0 }
    }
}
