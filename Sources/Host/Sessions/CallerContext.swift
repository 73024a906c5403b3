public import DriverProtocol

/// Who asks, from which connection, under which JSON-RPC request id (for cancel and streaming).
public struct CallerContext: Sendable {
    public var principal: String
    public var connectionID: UInt64
    public var requestID: JSONValue?

    public init(principal: String, connectionID: UInt64 = 0, requestID: JSONValue? = nil) {
        self.principal = principal; self.connectionID = connectionID; self.requestID = requestID
    }

    public init(_ rpc: RPCContext) {
        self.init(principal: rpc.principal, connectionID: rpc.connectionID, requestID: rpc.requestID)
    }
}

/// Receives a driver's events (`output`, `progress`) for one execution, in order.
public typealias SessionEventSink = @Sendable (_ method: String, _ params: JSONValue) -> Void

/// An execution in flight (or waiting for a slot), findable by cancel.
struct RunningExecution {
    let sessionId: String
    let principal: String
    let connectionID: UInt64
    let requestID: JSONValue?
    let executionId: String
    /// The running driver call's race; its `cancel()` forwards a cancel to the driver.
    var race: DriverCallRace<Result<RunReply, DriverCallError>>?
    var cancelRequested = false
}

/// A finished execution kept for `execution.status`.
struct StoredRun {
    let principal: String
    let sessionId: String
    let outcome: CommandOutcome
    let finishedWall: Double
}
