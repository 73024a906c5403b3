#if canImport(Glibc)
    import Glibc
#endif

/// What an I/O call on a possibly non-blocking fd did.
public enum IOResult<T: Sendable>: Sendable {
    case processed(T)
    case wouldBlock
}

/// The one syscall wrapper: retries EINTR, reports EAGAIN/EWOULDBLOCK as `.wouldBlock`, and captures errno
/// into a `SystemError` at the failing call (swift-nio's `System.swift` does the same).
public enum Syscall: Sendable {
    /// Runs `body` (a call returning -1 and setting errno on failure) until it is not interrupted.
    @inline(__always)
    public static func io<T: FixedWidthInteger & Sendable>(_ name: String, _ body: () -> T) throws(SystemError)
        -> IOResult<T>
    {
        while true {
            let r = body()
            if r != -1 { return .processed(r) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            throw SystemError(name, errno: e)
        }
    }

    /// The same for a blocking call, where would-block is an error like any other.
    @inline(__always)
    @discardableResult
    public static func call<T: FixedWidthInteger & Sendable>(_ name: String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = errno
            if e == EINTR { continue }
            throw SystemError(name, errno: e)
        }
    }

    /// A C shim call (`Sources/CSystem`: a negative result is -errno), retried while it reports -EINTR.
    @inline(__always)
    @discardableResult
    public static func shim<T: FixedWidthInteger & SignedInteger & Sendable>(_ name: String, _ body: () -> T)
        throws(SystemError) -> T
    {
        while true {
            let r = body()
            if r >= 0 { return r }
            if r == 0 - T(EINTR) { continue }
            throw SystemError.negated(name, r)
        }
    }

    /// An I/O call of the C shim (-errno on failure): EINTR retried, -EAGAIN as `.wouldBlock`.
    @inline(__always)
    public static func shimIO<T: FixedWidthInteger & SignedInteger & Sendable>(_ name: String, _ body: () -> T)
        throws(SystemError) -> IOResult<T>
    {
        while true {
            let r = body()
            if r >= 0 { return .processed(r) }
            let e = Int32(truncatingIfNeeded: 0 - Int64(r))
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            throw SystemError(name, errno: e)
        }
    }

    /// Retries `body` on EINTR and returns its raw result, errno intact, for callers that branch on errno
    /// themselves (wait calls, where ECHILD is an answer, not a failure).
    @inline(__always)
    public static func retrying<T: FixedWidthInteger>(_ body: () -> T) -> T {
        while true {
            let r = body()
            if r == -1 && errno == EINTR { continue }
            return r
        }
    }
}
