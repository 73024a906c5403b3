/// One request of the driver wire and the reply it gets (docs/driver-protocol.md, "Requests").
/// The host encodes `json` and decodes `Reply(json:)`; a driver decodes `init(json:)` and encodes `Reply.json`.
/// Request decoders are strict (a bad field is -32602); reply decoders are lenient where the protocol gives
/// defaults, so simple third-party drivers keep working.
public protocol DriverCallParams: Sendable, Equatable {
    associatedtype Reply: DriverReply
    static var method: String { get }
    var json: JSONValue { get }
    init(json: JSONValue) throws(WireError)
    /// The wall-clock budget the driver enforces for this call, if it has one (the host waits a grace longer).
    var callTimeoutMs: Int? { get }
}

extension DriverCallParams {
    public var callTimeoutMs: Int? { nil }
}

/// A reply body of the driver wire.
public protocol DriverReply: Sendable, Equatable {
    var json: JSONValue { get }
    init(json: JSONValue) throws(WireError)
}

/// `ping` and `shutdown`: `{}` both ways.
public struct EmptyReply: DriverReply {
    public init() {}
    public var json: JSONValue { .object(JSONObject()) }
    public init(json: JSONValue) throws(WireError) {}
}

/// `ping`: answered promptly even while executions run.
public struct PingParams: DriverCallParams {
    public typealias Reply = EmptyReply
    public static let method = DriverWire.Method.ping
    public init() {}
    public var json: JSONValue { .object(JSONObject()) }
    public init(json: JSONValue) throws(WireError) {}
}

/// `shutdown`: release everything and exit.
public struct ShutdownParams: DriverCallParams {
    public typealias Reply = EmptyReply
    public static let method = DriverWire.Method.shutdown
    public init() {}
    public var json: JSONValue { .object(JSONObject()) }
    public init(json: JSONValue) throws(WireError) {}
}

/// `cancel {request}`: stop request `request` if it is still running.
public struct CancelParams: DriverCallParams {
    public typealias Reply = CancelReply
    public static let method = DriverWire.Method.cancel
    public var request: Int
    public init(request: Int) { self.request = request }
    public var json: JSONValue { ["request": .int(request)] }
    public init(json: JSONValue) throws(WireError) {
        request = try WireReader(json).requiredInt("request")
    }
}

/// `{cancelled}`: true if the request was running and is now stopped.
public struct CancelReply: DriverReply {
    public var cancelled: Bool
    public init(cancelled: Bool) { self.cancelled = cancelled }
    public var json: JSONValue { ["cancelled": .bool(cancelled)] }
    public init(json: JSONValue) throws(WireError) { cancelled = json["cancelled"]?.bool ?? false }
}
