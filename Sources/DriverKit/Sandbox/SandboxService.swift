public import DriverProtocol
import Glibc

/// The sandbox every driver needs, behind one interface (the `codebeaker-sandbox` tool is a thin CLI over it):
///
/// - `open`: the session. Workspace bound read-write at /workspace; uid/gid from the options, else the workspace
///   owner (nobody if root owns it); a cgroup with `memoryLimitMB` (memory.max for every process of the session
///   together), `pidsLimit`, `cpuShares` and `cpuQuotaPercent`; no network unless `network` (then a namespace of
///   its own with outbound NAT only, `SessionNetwork`); extra read-only and read-write binds.
/// - `run`: one command in a fresh bwrap inside that session, with rlimits (file size, open files, no core, CPU
///   seconds), a wall-clock timeout that kills the whole tree, per-stream output caps with truncation flags,
///   streamed output in order, and why it ended: OOM, signal (bwrap's 128+n exit becomes `signal: n`), timeout,
///   cancel. Cancel by cancelling the calling Task, or with a `CancelSignal` on the blocking form.
/// - `close`: kills every process of the session and removes its cgroup (idempotent).
public enum SandboxService: Sendable {
    /// One command to run in a session.
    public struct Job: Sendable, Equatable {
        /// argv inside the sandbox (looked up on the sandbox's PATH).
        public var command: [String]
        /// Inside the sandbox; relative paths are under /workspace. nil: /workspace.
        public var cwd: String?
        /// On top of the session's environment; the host's is never inherited.
        public var env: [String: String] = [:]
        /// Fed to stdin, which is then closed; nil: /dev/null.
        public var stdin: [UInt8]?
        public var timeoutMs = 30_000
        /// Per stream: bytes of output kept; the rest is read, dropped and flagged (`stdoutTruncated`...).
        public var maxOutputBytes = 1 << 20
        /// Run in the cgroup's jobs pids group, which keeps pids back for a long-lived runner of the session
        /// (`SessionCgroup.jobsPidsDir`). false when the session has no runner: the job gets the whole limit.
        public var sharesWithRunner = true

        public init(command: [String], cwd: String? = nil, timeoutMs: Int = 30_000, maxOutputBytes: Int = 1 << 20) {
            self.command = command; self.cwd = cwd; self.timeoutMs = timeoutMs; self.maxOutputBytes = maxOutputBytes
        }
    }

    /// Opens a session's sandbox (see the type's summary). `cgroupPrefix` keeps two drivers' sessions with the
    /// same id apart; a second open with the same prefix and id reuses (and re-limits) the same cgroup.
    public static func open(
        _ request: SessionOpenParams, readOnlyBinds: [SandboxConfig.Bind] = [],
        readWriteBinds: [SandboxConfig.Bind] = [], env: [String: String] = [:], path: String? = nil,
        cgroupPrefix: String = ""
    ) throws(DriverError) -> SandboxSession {
        try SandboxSession.open(
            request, readOnlyBinds: readOnlyBinds, readWriteBinds: readWriteBinds, env: env, path: path,
            cgroupPrefix: cgroupPrefix)
    }

    /// Runs `job` in `session` and says how it ended. Cancelling the calling Task kills the tree (`cancelled`).
    public static func run(
        _ job: Job, in session: SandboxSession, onOutput: ProcessRunner.OutputHandler? = nil
    ) async throws(DriverError) -> RunResult {
        let spec = processSpec(job, in: session)
        let oomBefore = session.cgroup?.oomKillCount() ?? 0
        session.oneOffStarted()
        defer { session.oneOffEnded() }
        let r = try await ProcessRunner.run(spec, onOutput: onOutput)
        return explain(
            r, command: job.command, oomKilled: (session.cgroup?.oomKillCount() ?? 0) > oomBefore,
            cgroup: session.cgroup)
    }

    /// The same on the calling thread; firing `cancel` kills the tree (`cancelled`).
    public static func runBlocking(
        _ job: Job, in session: SandboxSession, onOutput: ProcessRunner.OutputHandler? = nil,
        cancel: CancelSignal? = nil
    ) throws(DriverError) -> RunResult {
        let spec = processSpec(job, in: session)
        let oomBefore = session.cgroup?.oomKillCount() ?? 0
        let r = try ProcessRunner.runBlocking(spec, onOutput: onOutput, cancel: cancel).get()
        return explain(
            r, command: job.command, oomKilled: (session.cgroup?.oomKillCount() ?? 0) > oomBefore,
            cgroup: session.cgroup)
    }

    /// Kills every process of the session, removes its cgroup, network and files. Idempotent.
    public static func close(_ session: SandboxSession) { session.close() }

    static func processSpec(_ job: Job, in session: SandboxSession) -> ProcessSpec {
        var c = session.config
        if let cwd = job.cwd { c.cwd = cwd.hasPrefix("/") ? cwd : "/workspace/" + cwd }
        for (k, v) in job.env { c.env[k] = v }
        var spec = Sandbox.processSpec(
            c, command: job.command, cgroup: session.cgroup, oneOff: job.sharesWithRunner,
            rlimits: ResourceLimit.sandboxDefaults(cpuSeconds: UInt64(job.timeoutMs / 1000 + 5)))
        spec.stdin = job.stdin
        spec.timeoutMs = job.timeoutMs
        spec.maxOutputBytes = job.maxOutputBytes
        return spec
    }

    static func explain(_ r: RunResult, command: [String], oomKilled: Bool, cgroup: SessionCgroup?) -> RunResult {
        explain(r, command: command, oomReason: oomKilled ? cgroup?.oomReason() : nil)
    }

    /// Why a bwrap run ended, in the wire's terms. bwrap reports a signal death of the sandboxed program as exit
    /// 128+n: that is `signal: n` (no exit code) with the signal's reason. An OOM kill in the session's cgroup
    /// during the run gives the reason (the program usually shows as SIGKILL). A command bwrap could not find or
    /// execute is what a shell makes of it: exit 127 "CMD: command not found" (126 "permission denied").
    public static func explain(_ r: RunResult, command: [String] = [], oomReason: String?) -> RunResult {
        var r = r
        if r.exitCode == 1, let cmd = command.first {
            for (message, code, words) in [
                ("No such file or directory", 127, "command not found"),
                ("Permission denied", 126, "permission denied"),
            ]
            where r.stderr == "bwrap: execvp \(cmd): \(message)\n" {
                r.exitCode = code
                r.stderr = "\(cmd): \(words)\n"
            }
        }
        if !r.timedOut, !r.cancelled, let code = r.exitCode, (129...(128 + 31)).contains(code) {
            r.exitCode = nil
            r.signal = code - 128
            r.reason = ExitReason.signal(code - 128)
        }
        if let oomReason { r.reason = oomReason }
        return r
    }
}
