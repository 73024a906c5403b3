public import DriverProtocol

/// A session served by one persistent runner inside one sandbox: the shape the deno and bun drivers share.
public struct RunnerSandboxEntry: Sendable {
    public let sandbox: SandboxSession
    public let runner: RunnerProcess
    public init(sandbox: SandboxSession, runner: RunnerProcess) { self.sandbox = sandbox; self.runner = runner }
}

extension SessionStore where Session == RunnerSandboxEntry {
    /// `execute`: a fresh program in the session's warm runner.
    public func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        try await get(request.session).runner.run(RunnerJob(request), events: events)
    }

    /// `shell`: a fresh process in the session's sandbox (the runtime's own permissions do not apply to it).
    /// It queues behind the session's runner jobs like any execution, so a cancel while it waits ends it unrun.
    public func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult {
        let e = try get(request.session)
        guard await e.runner.gate.acquire() else { return RunResult(cancelled: true, reason: "cancelled") }
        defer { e.runner.gate.release() }
        return try await e.sandbox.run(
            command: [request.command] + request.args, cwd: request.cwd, env: request.env,
            stdin: request.stdin, timeoutMs: request.timeoutMs,
            maxOutputBytes: request.maxOutputBytes, events: events)
    }

    public func close(_ session: String) async {
        guard let e = remove(session) else { return }
        await e.runner.stopAndWait()
        e.sandbox.close()
    }

    public func closeAll() async {
        for e in removeAll() {
            await e.runner.stopAndWait()
            e.sandbox.close()
        }
    }
}

extension RunnerLaunch {
    /// `sh -c` prefix for runners that cannot use a socket as their control channel (deno, bun): turns the
    /// control socket on fd 3 into a pipe pair (read on fd 7, write on fd 6) and kills the runner's process
    /// group when it exits, so nothing it started outlives it.
    public static let pipeWrapper =
        #"exec 5>&1; cat <&3 | { "$@" 7<&0 0</dev/null 6>&1 1>&5 5>&- 3>&-; kill -9 0; } | cat >&3 5>&-"#
}
