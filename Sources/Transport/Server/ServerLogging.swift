/// Where the transport reports what it sees (the host passes its `Logger`). A seam, so this module needs no
/// logging library and knows nothing of how lines are written.
public protocol ServerLogging: Sendable {
    func debug(_ message: @autoclosure () -> String, _ fields: [String: String])
    func warning(_ message: @autoclosure () -> String, _ fields: [String: String])
}

extension ServerLogging {
    func debug(_ message: @autoclosure () -> String) { debug(message(), [:]) }
    func warning(_ message: @autoclosure () -> String) { warning(message(), [:]) }
}
