/// A finished one-shot process, whatever its exit status: a non-zero exit, a timeout or a kill is an
/// outcome, not an error.
public struct ProcessOutcome: Sendable, Equatable {
    public var exitCode: Int?
    public var signal: Int?
    public var timedOut = false
    public var cancelled = false
    public var stdout = ""
    public var stderr = ""
    public var stdoutTruncated = false
    public var stderrTruncated = false
    public var durationMs = 0

    public init(exitCode: Int? = nil, signal: Int? = nil) { self.exitCode = exitCode; self.signal = signal }

    public var succeeded: Bool { exitCode == 0 && !timedOut && !cancelled && signal == nil }
}
