public import DriverProtocol

/// The security layer's seam into the session manager. The manager calls it at these points; a `will…`
/// that throws stops the operation and its RPCError goes to the client (e.g. -32011 security violation,
/// -32029 rate limited). `did…` calls are for audit and metrics and must not block.
public protocol SessionPolicy: Sendable {
    func willCreate(principal: String, params: JSONValue) throws(RPCError)
    func didCreate(_ session: SessionSnapshot)
    /// `willCreate` passed but the session was not created (bad params, no runtime, no workspace, driver
    /// refused, closed while opening): give back whatever `willCreate` reserved.
    func didFailCreate(principal: String)
    func willRun(_ command: SessionCommand, session: SessionSnapshot, principal: String) throws(RPCError)
    /// The manager refused a command itself (file commands in flight, file queue full): for metrics and audit.
    /// Returns the error to throw.
    func didThrottle(principal: String, session: String, rule: String, message: String, retryAfterMs: Int) -> RPCError
    /// Before `execution.run` creates its session: a cheap refusal when the principal may not run now.
    func willStartRun(principal: String) throws(RPCError)
    func didRun(
        _ command: SessionCommand, session: SessionSnapshot, principal: String, success: Bool, durationMs: Int,
        error: String?)
    func didClose(_ session: SessionSnapshot, reason: String)
}

extension SessionPolicy {
    public func willCreate(principal: String, params: JSONValue) throws(RPCError) {}
    public func didCreate(_ session: SessionSnapshot) {}
    public func didFailCreate(principal: String) {}
    public func willRun(_ command: SessionCommand, session: SessionSnapshot, principal: String) throws(RPCError) {}
    public func willStartRun(principal: String) throws(RPCError) {}
    public func didThrottle(principal: String, session: String, rule: String, message: String, retryAfterMs: Int)
        -> RPCError
    {
        RPCError(code: -32029, message: message, data: ["rule": .string(rule), "retryAfterMs": .int(retryAfterMs)])
    }
    public func didRun(
        _ command: SessionCommand, session: SessionSnapshot, principal: String, success: Bool, durationMs: Int,
        error: String?
    ) {}
    public func didClose(_ session: SessionSnapshot, reason: String) {}
}

/// Allows everything, records nothing.
public struct NoSessionPolicy: SessionPolicy {
    public init() {}
}
