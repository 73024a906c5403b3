public import DriverProtocol
import Glibc

extension Sandbox {
    /// The host's memory-merge mode, read once from the driver's environment (see `MemoryMerge`).
    public static let memoryMerge: MemoryMerge = {
        guard let v = getenv(MemoryMerge.environmentVariable) else { return .off }
        return MemoryMerge(parsing: String(cString: v)) ?? .off
    }()

    /// Applies `mode` to the spawn of a sandbox: bwrap, and through fork and exec everything inside it.
    static func apply(_ mode: MemoryMerge, to spec: inout ProcessSpec) {
        spec.memoryMerge = mode.marksMergeable
        spec.noASLR = mode.disablesASLR
    }
}
