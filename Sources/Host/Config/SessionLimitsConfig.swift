public import DriverProtocol
import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `sessionLimits` in the config file: the operator's bounds on what sessions may take from the machine,
/// which a client's `session.create` can tighten but never raise (docs/configuration.md, docs/security.md).
public struct SessionLimitsConfig: Sendable, Equatable {
    /// The CPU weight every session gets, and the most a client may ask for (v1 cpu.shares; v2 cpu.weight
    /// is derived). A client may ask for less; a higher weight is this setting's job alone.
    public var cpuShares = 1024
    /// Hard CPU cap per session in percent of one core (cfs quota / cpu.max); 0: none.
    public var cpuQuotaPercent = 0
    /// Memory limit of the cgroup that holds every native session together; 0: host memory minus
    /// `reserveMB(hostMB:)`. Docker containers are outside it (the engine owns their cgroups).
    public var allSessionsMemoryMB = 0
    /// Sessions are admitted while the sum of their memory limits stays within `allSessionsMemoryMB` times
    /// this: limits are ceilings, and idle sessions use little of them. 0 turns the admission check off.
    public var memoryOvercommit = 16.0
    /// CPU seconds a stateful session's background work (threads, workers left running after an
    /// execution returned) may use while no execution runs before its runtime is restarted; 0: no limit.
    public var idleCpuSeconds = 10.0

    public init() {}

    public static let keys: Set<String> = [
        "cpuShares", "cpuQuotaPercent", "allSessionsMemoryMB", "memoryOvercommit", "idleCpuSeconds",
    ]

    public init(json: JSONValue) throws(ServerConfig.Error) {
        guard let o = json.object else { throw ServerConfig.Error("config: 'sessionLimits' must be an object") }
        for (key, v) in o {
            guard Self.keys.contains(key) else {
                throw ServerConfig.Error("config: sessionLimits: unknown key '\(key)'")
            }
            func number(_ range: ClosedRange<Double>) throws(ServerConfig.Error) -> Double {
                guard let d = v.double, d.isFinite, range.contains(d) else {
                    throw ServerConfig.Error(
                        "config: sessionLimits.\(key) must be a number in \(range.lowerBound)...\(range.upperBound), got \(v)"
                    )
                }
                return d
            }
            func integer(_ range: ClosedRange<Int>) throws(ServerConfig.Error) -> Int {
                guard let i = v.int, range.contains(i) else {
                    throw ServerConfig.Error(
                        "config: sessionLimits.\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(v)"
                    )
                }
                return i
            }
            switch key {
            case "cpuShares": cpuShares = try integer(2...262_144)
            case "cpuQuotaPercent": cpuQuotaPercent = try integer(0...100_000)
            case "allSessionsMemoryMB": allSessionsMemoryMB = try integer(0...(1 << 30))
            case "memoryOvercommit": memoryOvercommit = try number(0...1000)
            case "idleCpuSeconds": idleCpuSeconds = try number(0...86_400)
            default: break
            }
        }
    }

    public var json: JSONValue {
        [
            "cpuShares": .int(cpuShares), "cpuQuotaPercent": .int(cpuQuotaPercent),
            "allSessionsMemoryMB": .int(allSessionsMemoryMB),
            "memoryOvercommit": .double(memoryOvercommit), "idleCpuSeconds": .double(idleCpuSeconds),
        ]
    }

    /// What the host keeps for itself, its drivers and the kernel: 10% of memory, at least 1 GB.
    public static func reserveMB(hostMB: Int) -> Int { max(1024, hostMB / 10) }

    /// `allSessionsMemoryMB`, or host memory minus the reserve (at least 256 MB) when it is 0.
    public func effectiveAllSessionsMemoryMB(hostMB: Int = HostMemory.totalMB()) -> Int {
        allSessionsMemoryMB > 0 ? allSessionsMemoryMB : max(256, hostMB - Self.reserveMB(hostMB: hostMB))
    }
}

/// The machine's memory, from /proc/meminfo.
public enum HostMemory: Sendable {
    public static func totalMB() -> Int {
        for line in FD.readText("/proc/meminfo").split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let kb = line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int($0) } ?? 0
            return kb / 1024
        }
        return 0
    }
}
