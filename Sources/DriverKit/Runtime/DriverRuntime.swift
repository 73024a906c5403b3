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
    /// The reply with extra fields (the runtimes driver's `phase`, `compileCached`). Default: `execute`'s result.
    func executeReply(_ request: ExecuteRequest, events: EventSink) async throws -> RunReply
    func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult
    /// Default: -32004 unsupported.
    func install(_ request: InstallRequest, events: EventSink) async throws -> InstallReply
    /// Methods the protocol does not define; default: -32601.
    func handle(method: String, params: JSONValue, events: EventSink) async throws -> JSONValue
    /// stdin EOF or `shutdown`: release every session. Default: nothing.
    func shutdown() async
    /// Called once when the server is built: `notify` sends a notification not tied to a request (such as
    /// `capabilities.changed`); it is the same channel as `DriverNotifier`, which code without the runtime at
    /// hand (a runner's death, `session.lost`) uses. Default: ignored.
    func attach(notify: @escaping @Sendable (_ method: String, _ params: JSONValue) -> Void)
}

extension DriverRuntime {
    public func install(_ request: InstallRequest, events: EventSink) async throws -> InstallReply {
        throw DriverError.unsupported("\(name) driver does not support package installation")
    }
    public func handle(method: String, params: JSONValue, events: EventSink) async throws -> JSONValue {
        throw DriverError.methodNotFound(method)
    }
    public func shutdown() async {}
    public func executeReply(_ request: ExecuteRequest, events: EventSink) async throws -> RunReply {
        RunReply(run: try await execute(request, events: events))
    }
    public func attach(notify: @escaping @Sendable (_ method: String, _ params: JSONValue) -> Void) {}
}
