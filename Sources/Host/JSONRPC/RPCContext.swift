public import DriverProtocol

/// Everything a method handler may know about the call: who, which connection, how to talk back.
public struct RPCContext: Sendable {
    public var connectionID: UInt64
    public var principal: String
    /// The request id (nil for a notification).
    public var requestID: JSONValue?
    /// Sends a JSON-RPC notification to this client (streamed output, progress).
    public var notify: @Sendable (_ method: String, _ params: JSONValue) -> Void

    public init(
        connectionID: UInt64, principal: String, requestID: JSONValue?,
        notify: @escaping @Sendable (String, JSONValue) -> Void
    ) {
        self.connectionID = connectionID; self.principal = principal; self.requestID = requestID; self.notify = notify
    }
}

/// A method: params in (`.null` when omitted), result out, RPCError (or any error, mapped to -32603) on failure.
public typealias RPCMethod = @Sendable (_ params: JSONValue, _ context: RPCContext) async throws -> JSONValue
