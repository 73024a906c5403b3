#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call: which call, and the errno it left (captured at the failure, before anything
/// else can overwrite it).
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    public init(_ call: String, errno: Int32) { self.call = call; self.errno = errno }

    /// The errno of the call that just failed.
    public static func last(_ call: String) -> SystemError { SystemError(call, errno: Glibc.errno) }

    /// A C shim result in its one convention: a negative value is -errno.
    public static func negated(_ call: String, _ rc: some BinaryInteger) -> SystemError {
        SystemError(call, errno: Int32(truncatingIfNeeded: 0 - Int64(rc)))
    }

    public var text: String { Self.text(errno) }
    public var description: String { "\(call) failed: \(text) (errno \(errno))" }

    public static func text(_ code: Int32) -> String { String(cString: strerror(code)) }
}
