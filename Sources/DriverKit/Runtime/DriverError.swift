public import DriverProtocol

/// An error a driver answers with: a protocol error code (docs/driver-protocol.md, "Errors") and a message
/// safe to show a client. Anything else a runtime throws becomes -32603.
public struct DriverError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code; self.message = message; self.data = data
    }

    public var description: String { "\(message) (\(code))" }

    public static func invalidParams(_ m: String) -> DriverError {
        .init(code: DriverWire.ErrorCode.invalidParams, message: m)
    }
    public static func sessionNotFound(_ session: String) -> DriverError {
        .init(code: DriverWire.ErrorCode.sessionNotFound, message: "session \(session) not found")
    }
    public static func unavailable(_ m: String) -> DriverError {
        .init(code: DriverWire.ErrorCode.unavailable, message: m)
    }
    public static func unsupported(_ m: String) -> DriverError {
        .init(code: DriverWire.ErrorCode.unsupported, message: m)
    }
    public static func cancelled(_ m: String = "cancelled") -> DriverError {
        .init(code: DriverWire.ErrorCode.cancelled, message: m)
    }
    public static func methodNotFound(_ method: String) -> DriverError {
        .init(code: DriverWire.ErrorCode.methodNotFound, message: "unknown method '\(method)'")
    }
    public static func `internal`(_ m: String) -> DriverError {
        .init(code: DriverWire.ErrorCode.internalError, message: m)
    }
}
