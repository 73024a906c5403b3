import CSystem
import DriverProtocol
import Glibc

/// Runs one process to completion: stdout and stderr read concurrently on one epoll thread, stdin written,
/// a wall-clock timeout that SIGKILLs the process group, per-stream caps with truncation flags, and optional
/// streaming of output chunks in order. Never Foundation.Process. Only the spawned pid is reaped.
public enum ProcessRunner {
    public typealias OutputHandler = @Sendable (StdStream, String) -> Void

    /// Cancelling the calling Task kills the process group and returns a result with `cancelled:true`.
    public static func run(_ spec: ProcessSpec, onOutput: OutputHandler? = nil) async throws(DriverError) -> RunResult {
        let cancel = CancelSignal()
        let r: Result<RunResult, DriverError> = await withTaskCancellationHandler {
            await withCheckedContinuation { cont in
                OSThread.start { cont.resume(returning: runBlocking(spec, onOutput: onOutput, cancel: cancel)) }
            }
        } onCancel: {
            cancel.fire()
        }
        cancel.close()
        return try r.get()
    }

    /// The same on the calling thread.
    public static func runBlocking(_ spec: ProcessSpec, onOutput: OutputHandler? = nil,
                                   cancel: CancelSignal? = nil) -> Result<RunResult, DriverError> {
        let start = MonotonicClock.nowMs()
        let out: (read: Int32, write: Int32), err: (read: Int32, write: Int32)
        var stdinPipe: (read: Int32, write: Int32)? = nil
        do {
            out = try FD.pipe()
            err = try FD.pipe()
            if spec.stdin != nil { stdinPipe = try FD.pipe(nonblockRead: false) }
        } catch { return .failure(error) }
        let pid: pid_t
        do {
            pid = try Spawner.spawn(spec, stdin: stdinPipe?.read ?? -1, stdout: out.write, stderr: err.write)
        } catch {
            for fd in [out.read, out.write, err.read, err.write, stdinPipe?.read ?? -1, stdinPipe?.write ?? -1] { FD.close(fd) }
            return .failure(error)
        }
        FD.close(out.write); FD.close(err.write); FD.close(stdinPipe?.read ?? -1)
        if let w = stdinPipe?.write { _ = cs_set_nonblocking(w, 1) }

        var pump = PipePump(pid: pid, stdout: out.read, stderr: err.read, stdinFd: stdinPipe?.write ?? -1,
                            stdinBytes: spec.stdin ?? [], limit: spec.maxOutputBytes, onOutput: onOutput)
        let deadline = spec.timeoutMs.map { start + Int64($0) }
        var timedOut = false, cancelled = false
        pump.run(deadline: deadline, cancelFd: cancel?.fd ?? -1) { why in
            // Kill the whole tree: the process group, then whatever the caller knows about (a cgroup).
            _ = kill(-pid, SIGKILL)
            spec.onKill?()
            switch why {
            case .timeout: timedOut = true
            case .cancel: cancelled = true
            }
        }
        var exited: Int32 = 0, code: Int32 = 0, signaled: Int32 = 0, sig: Int32 = 0
        _ = cs_wait(pid, 0, &exited, &code, &signaled, &sig)
        var result = RunResult(exitCode: exited != 0 ? Int(code) : nil, signal: signaled != 0 ? Int(sig) : nil,
                               timedOut: timedOut, cancelled: cancelled,
                               stdout: pump.stdout.text, stderr: pump.stderr.text,
                               stdoutTruncated: pump.stdout.truncated, stderrTruncated: pump.stderr.truncated,
                               durationMs: Int(MonotonicClock.nowMs() - start))
        if timedOut { result.reason = ExitReason.timedOut(spec.timeoutMs ?? 0) }
        else if cancelled { result.reason = "cancelled" }
        else if signaled != 0 { result.reason = ExitReason.signal(Int(sig)) }
        return .success(result)
    }
}
