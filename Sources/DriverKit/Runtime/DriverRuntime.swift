public import DriverProtocol

/// What a driver implements; `DriverServer` does the protocol around it. Methods are called concurrently.
///
/// Cancellation: a `cancel` request cancels the Task running `execute`/`shell`/`install`. Implementations stop
/// the work (ProcessRunner and RunnerProcess do this for you) and return a `RunResult` with `cancelled:true`,
/// or throw `CancellationError`/`DriverError.cancelled()`.
public protocol DriverRuntime: Sendable {
    var name: String { get }
    var version: String { get }
    /// Called for every handshake; cheap, and honest (see docs/driver-protocol.md, "Capabilities").
    func capabilities() -> DriverCapabilities
    func openSession(_ request: SessionOpenParams) async throws -> SessionOpenReply
    /// Idempotent; an unknown session is not an error.
    func closeSession(_ request: SessionCloseParams) async
    func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult
    func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult
    /// Default: -32004 unsupported.
    func install(_ request: InstallRequest, events: EventSink) async throws -> InstallReply
    /// Methods the protocol does not define; default: -32601.
    func handle(method: String, params: JSONValue, events: EventSink) async throws -> JSONValue
    /// stdin EOF or `shutdown`: release every session. Default: nothing.
    func shutdown() async
}

extension DriverRuntime {
    public func install(_ request: InstallRequest, events: EventSink) async throws -> InstallReply {
        throw DriverError.unsupported("\(name) driver does not support package installation")
    }
    public func handle(method: String, params: JSONValue, events: EventSink) async throws -> JSONValue {
        throw DriverError.methodNotFound(method)
    }
    public func shutdown() async {}
}
