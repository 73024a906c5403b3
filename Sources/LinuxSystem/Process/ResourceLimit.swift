import Glibc

/// One setrlimit applied in the child before exec.
public struct ResourceLimit: Sendable, Equatable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64

    public init(resource: Int32, soft: UInt64, hard: UInt64) {
        self.resource = resource; self.soft = soft; self.hard = hard
    }

    public static func cpuSeconds(_ s: UInt64) -> ResourceLimit {
        .init(resource: Int32(RLIMIT_CPU.rawValue), soft: s, hard: s + 1)
    }
    public static func fileSizeBytes(_ b: UInt64) -> ResourceLimit {
        .init(resource: Int32(RLIMIT_FSIZE.rawValue), soft: b, hard: b)
    }
    public static func openFiles(_ n: UInt64) -> ResourceLimit {
        .init(resource: Int32(RLIMIT_NOFILE.rawValue), soft: n, hard: n)
    }
    public static let noCore = ResourceLimit(resource: Int32(RLIMIT_CORE.rawValue), soft: 0, hard: 0)

    /// The sandbox defaults: 256 MB files, 1024 open files, no core dumps, and CPU time as given.
    public static func sandboxDefaults(cpuSeconds: UInt64 = 3600) -> [ResourceLimit] {
        [.fileSizeBytes(256 << 20), .openFiles(1024), .noCore, .cpuSeconds(cpuSeconds)]
    }
}
