public import DriverProtocol
import Glibc

/// A session served by one persistent runner inside one sandbox: the shape the deno and bun drivers share.
public struct RunnerSandboxEntry: Sendable {
    public let sandbox: SandboxSession
    public let runner: RunnerProcess
    public init(sandbox: SandboxSession, runner: RunnerProcess) { self.sandbox = sandbox; self.runner = runner }

    /// Why a runner driver cannot work here, or nil: `missing` names its runtime binary when that is not found.
    public static func unavailableReason(driver: String, missing: String?) -> String? {
        if let missing { return "\(missing) not found" }
        if !Sandbox.isAvailable { return "\(Sandbox.bwrapPath) (bubblewrap) not found" }
        if geteuid() != 0 { return "the \(driver) driver must run as root to switch to session uids" }
        return nil
    }
}

extension SessionStore where Session == RunnerSandboxEntry {
    /// session.open for a runner driver: one open per id at a time (`gate`), a session this process already has
    /// is re-adopted, else `build` makes the runtime's sandbox and runner, which starts in the start gate.
    /// `extraIsolation` is what the runtime adds to the sandbox's level (Deno's permissions).
    public func open(
        _ request: SessionOpenParams, gate: KeyedGate, extraIsolation: Int = 0,
        build: () throws -> (sandbox: SandboxSession, launch: RunnerLaunch)
    ) async throws -> SessionOpenReply {
        try await gate.withGate(request.session) {
            if let existing = find(request.session) {
                return SessionOpenReply(handle: existing.sandbox.handle, readopted: true)
            }
            let (sandbox, launch) = try build()
            let runner = RunnerProcess(launch: launch, session: sandbox)
            put(request.session, RunnerSandboxEntry(sandbox: sandbox, runner: runner))
            // Under a burst of opens this waits for a start slot (docs/driver-protocol.md, "Start gate").
            try await runner.startForOpen(waitReady: request.options.waitReady) { _ = remove(request.session) }
            return SessionOpenReply(handle: sandbox.handle, isolationLevel: sandbox.isolationLevel + extraIsolation)
        }
    }

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
