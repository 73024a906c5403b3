import DriverKit
import DriverProtocol

/// Turns what cb-runner reported into the protocol's run result.
enum RunOutcomeMapper {
    static func result(_ o: RunnerOutcome, timeoutMs: Int, durationMs: Int, oomKilled: Bool, memoryMB: Int) -> RunResult
    {
        var r = RunResult(
            stdout: String(decoding: o.stdout, as: UTF8.self), stderr: String(decoding: o.stderr, as: UTF8.self),
            durationMs: durationMs)
        guard let x = o.exit else {
            r.reason = o.lostReason ?? "the session container stopped"
            return r
        }
        r.exitCode = x.exitCode
        r.signal = x.signal
        r.timedOut = x.timedOut
        r.cancelled = x.cancelled
        r.stdoutTruncated = x.stdoutTruncated
        r.stderrTruncated = x.stderrTruncated
        if x.timedOut {
            r.reason = ExitReason.timedOut(timeoutMs)
        } else if x.cancelled {
            r.reason = "cancelled"
        } else if oomKilled {
            r.reason = ExitReason.outOfMemory(limitMB: memoryMB)
        } else if let sig = x.signal {
            r.reason = ExitReason.signal(sig)
        }
        return r
    }
}
