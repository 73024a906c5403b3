public import DriverProtocol

/// The command line's exit code for a run result (`execution.run`'s, or `session.execute`'s `result`),
/// as a shell would report the program's own.
public enum CLIExitStatus: Sendable {
    public static let timedOut: Int32 = 124
    public static let cancelled: Int32 = 130
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2

    public static func code(for result: JSONValue) -> Int32 {
        if result["timedOut"]?.bool == true { return timedOut }
        if result["cancelled"]?.bool == true { return cancelled }
        if let code = result["exitCode"]?.int { return Int32(truncatingIfNeeded: code) }
        if let signal = result["signal"]?.int { return 128 + Int32(truncatingIfNeeded: signal) }
        return failure
    }
}
