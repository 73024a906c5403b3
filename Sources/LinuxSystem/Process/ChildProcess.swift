import CSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one process to completion: stdout and stderr read concurrently on one epoll thread, stdin written,
/// a wall-clock timeout that SIGKILLs the process group, per-stream caps with truncation flags, and optional
/// streaming of output chunks in order. Never Foundation.Process. Only the spawned pid is reaped.
public enum ChildProcess: Sendable {
    public typealias OutputHandler = @Sendable (StdStream, String) -> Void

    /// Runs on a thread of its own; cancelling the calling Task kills the process group and returns an
    /// outcome with `cancelled`.
    public static func run(_ spec: ProcessSpec, onOutput: OutputHandler? = nil) async throws(SystemError)
        -> ProcessOutcome
    {
        let cancel = CancelSignal()
        let r: Result<ProcessOutcome, SystemError> = await withTaskCancellationHandler {
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
    public static func runBlocking(
        _ spec: ProcessSpec, onOutput: OutputHandler? = nil,
        cancel: CancelSignal? = nil
    ) -> Result<ProcessOutcome, SystemError> {
        let start = MonotonicClock.nowMs()
        let out: (read: Int32, write: Int32), err: (read: Int32, write: Int32)
        var stdinPipe: (read: Int32, write: Int32)? = nil
        do throws(SystemError) {
            out = try FD.pipe()
            err = try FD.pipe()
            if spec.stdin != nil { stdinPipe = try FD.pipe(nonblockRead: false) }
        } catch { return .failure(error) }
        let pid: pid_t
        do throws(SystemError) {
            pid = try Spawner.spawn(spec, stdin: stdinPipe?.read ?? -1, stdout: out.write, stderr: err.write)
        } catch {
            for fd in [out.read, out.write, err.read, err.write, stdinPipe?.read ?? -1, stdinPipe?.write ?? -1] {
                FD.close(fd)
            }
            return .failure(error)
        }
        FD.close(out.write); FD.close(err.write); FD.close(stdinPipe?.read ?? -1)
        if let w = stdinPipe?.write { _ = cs_set_nonblocking(w, 1) }

        var pump = PipePump(
            pid: pid, stdout: out.read, stderr: err.read, stdinFd: stdinPipe?.write ?? -1,
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
        var outcome = ProcessOutcome(exitCode: exited != 0 ? Int(code) : nil, signal: signaled != 0 ? Int(sig) : nil)
        outcome.timedOut = timedOut
        outcome.cancelled = cancelled
        outcome.stdout = pump.stdout.text
        outcome.stderr = pump.stderr.text
        outcome.stdoutTruncated = pump.stdout.truncated
        outcome.stderrTruncated = pump.stderr.truncated
        outcome.durationMs = Int(MonotonicClock.nowMs() - start)
        return .success(outcome)
    }
}
