public import DriverProtocol

/// Why a driver call failed. `message` is safe to show a client.
public struct DriverCallError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The driver answered with a JSON-RPC error.
        case remote(code: Int)
        /// The driver crashed or exited while the call was in flight.
        case crashed
        /// The driver is not running (failed, restarting, unavailable).
        case unavailable
        case timedOut
        case cancelled
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
}

/// The host's view of one driver: call it, observe its state. The supervisor implements it for real
/// processes; tests use an in-memory double.
public protocol DriverClient: AnyObject, Sendable {
    var name: String { get }
    /// Capabilities from the last successful handshake; nil before the first one.
    var capabilities: DriverCapabilities? { get }
    var isReady: Bool { get }
    /// Sends `method` with `params` and waits for its result. Events for this request are passed to `onEvent`
    /// in order, before the call returns. Cancelling the calling Task sends the driver a `cancel`.
    /// (`DriverSupervisor` runs `onEvent` on the driver's I/O thread: keep it short, e.g. enqueue, or every request
    /// of that driver waits behind it.)
    func call(
        _ method: String, params: JSONValue,
        onEvent: (@Sendable (_ method: String, _ params: JSONValue) -> Void)?
    ) async throws(DriverCallError) -> JSONValue
    /// The process incarnation now answering calls, if the client tracks restarts (nil: unknown, so sessions
    /// are re-opened whenever asked).
    var generation: Int? { get }
}

extension DriverClient {
    public var generation: Int? { nil }
}
