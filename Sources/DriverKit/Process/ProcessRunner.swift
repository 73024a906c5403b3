public import DriverProtocol
import LinuxSystem

/// `ChildProcess` with the driver wire's result: a `RunResult` with the reason in words, and a failure to
/// start as a `DriverError`.
public enum ProcessRunner: Sendable {
    public typealias OutputHandler = ChildProcess.OutputHandler

    /// Cancelling the calling Task kills the process group and returns a result with `cancelled:true`.
    public static func run(_ spec: ProcessSpec, onOutput: OutputHandler? = nil) async throws(DriverError) -> RunResult {
        do throws(SystemError) {
            return RunResult(try await ChildProcess.run(spec, onOutput: onOutput), timeoutMs: spec.timeoutMs)
        } catch {
            throw DriverError(error)
        }
    }

    /// The same on the calling thread.
    public static func runBlocking(
        _ spec: ProcessSpec, onOutput: OutputHandler? = nil,
        cancel: CancelSignal? = nil
    ) -> Result<RunResult, DriverError> {
        ChildProcess.runBlocking(spec, onOutput: onOutput, cancel: cancel)
            .map { RunResult($0, timeoutMs: spec.timeoutMs) }
            .mapError(DriverError.init)
    }
}

extension RunResult {
    /// A process outcome as the wire reports it, with why it ended abnormally.
    public init(_ o: ProcessOutcome, timeoutMs: Int?) {
        self.init(
            exitCode: o.exitCode, signal: o.signal, timedOut: o.timedOut, cancelled: o.cancelled,
            stdout: o.stdout, stderr: o.stderr, stdoutTruncated: o.stdoutTruncated,
            stderrTruncated: o.stderrTruncated, durationMs: o.durationMs)
        if o.timedOut {
            reason = ExitReason.timedOut(timeoutMs ?? 0)
        } else if o.cancelled {
            reason = "cancelled"
        } else if let sig = o.signal {
            reason = ExitReason.signal(sig)
        }
    }
}

extension DriverError {
    /// A failed system call inside the driver: -32603 with the call and errno in words.
    public init(_ error: SystemError) { self = .internal(error.description) }
}
