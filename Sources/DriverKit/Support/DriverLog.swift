import Glibc

/// Log lines to stderr (the host copies them into its log, prefixed with the driver name).
/// stdout is reserved for protocol messages, so nothing here may ever write to fd 1.
public enum DriverLog: Sendable {
    public static func info(_ message: @autoclosure () -> String) { write("INFO ", message()) }
    public static func warning(_ message: @autoclosure () -> String) { write("WARN ", message()) }
    public static func error(_ message: @autoclosure () -> String) { write("ERROR", message()) }

    private static func write(_ level: String, _ message: String) {
        let bytes = Array("\(level) \(message)\n".utf8)
        FD.writeAll(2, bytes)
    }
}
