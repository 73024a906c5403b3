/// The result of `execute`, `shell` and `install`: a finished process, whatever its exit status.
/// A non-zero exit, a timeout or a kill is a result, never a protocol error.
public struct RunResult: Sendable, Equatable {
    public var exitCode: Int?
    public var signal: Int?
    public var timedOut: Bool
    public var cancelled: Bool
    public var stdout: String
    public var stderr: String
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    public var durationMs: Int
    /// Why the run ended abnormally, in words a user can act on ("out of memory (limit 512 MB)").
    public var reason: String?

    public init(
        exitCode: Int? = nil, signal: Int? = nil, timedOut: Bool = false, cancelled: Bool = false,
        stdout: String = "", stderr: String = "", stdoutTruncated: Bool = false, stderrTruncated: Bool = false,
        durationMs: Int = 0, reason: String? = nil
    ) {
        self.exitCode = exitCode; self.signal = signal; self.timedOut = timedOut; self.cancelled = cancelled
        self.stdout = stdout; self.stderr = stderr; self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated; self.durationMs = durationMs; self.reason = reason
    }

    public var succeeded: Bool { exitCode == 0 && !timedOut && !cancelled && signal == nil }
    public var truncated: Bool { stdoutTruncated || stderrTruncated }

    /// The keys `json` writes (`reason` only when set).
    public static let fieldNames: Set<String> = [
        "exitCode", "stdout", "stderr", "durationMs", "signal", "timedOut", "cancelled",
        "truncated", "stdoutTruncated", "stderrTruncated", "reason",
    ]

    public var json: JSONValue {
        var o = JSONObject()
        o["exitCode"] = JSONValue(exitCode)
        o["stdout"] = .string(stdout)
        o["stderr"] = .string(stderr)
        o["durationMs"] = .int(durationMs)
        o["signal"] = JSONValue(signal)
        o["timedOut"] = .bool(timedOut)
        o["cancelled"] = .bool(cancelled)
        o["truncated"] = .bool(truncated)
        o["stdoutTruncated"] = .bool(stdoutTruncated)
        o["stderrTruncated"] = .bool(stderrTruncated)
        if let reason { o["reason"] = .string(reason) }
        return .object(o)
    }

    public init(json: JSONValue) {
        self.init(
            exitCode: json["exitCode"]?.int, signal: json["signal"]?.int,
            timedOut: json["timedOut"]?.bool ?? false, cancelled: json["cancelled"]?.bool ?? false,
            stdout: json["stdout"]?.string ?? "", stderr: json["stderr"]?.string ?? "",
            stdoutTruncated: json["stdoutTruncated"]?.bool ?? false,
            stderrTruncated: json["stderrTruncated"]?.bool ?? false,
            durationMs: json["durationMs"]?.int ?? 0, reason: json["reason"]?.string)
    }
}
