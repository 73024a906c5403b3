import LinuxSystem

/// Why the server could not start or run.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    static func system(_ call: String, _ code: Int32) -> ServerError {
        ServerError(description: SystemError(call, errno: code).description)
    }
    init(description: String) { self.description = description }
    init(_ error: SystemError) { description = error.description }
}
