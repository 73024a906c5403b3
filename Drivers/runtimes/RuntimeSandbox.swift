import DriverKit
import DriverProtocol
import Glibc
import LinuxSystem

/// Everything this driver asks of DriverKit's sandbox, in one place (so a switch to `SandboxService` touches
/// only this file): a session sandbox with the build directory bound read-write at /build, runs in it, and
/// version probes in a throwaway sandbox as nobody.
struct RuntimeSandbox: Sendable {
    static let buildMount = "/build"
    /// Session build directories and the probes' empty workspace live here (root-owned, 0755).
    static let stateRoot = SandboxFiles.root + "/runtimes-driver"

    let session: SandboxSession

    /// Opens the session sandbox; `buildDir` (host path, owned by the session uid) appears at /build.
    static func open(_ request: SessionOpenParams, buildDir: String) throws(DriverError) -> RuntimeSandbox {
        let base = try SandboxSession.open(request, cgroupPrefix: "runtimes-\(getpid())-")
        var config = base.config
        config.readWriteBinds = [.init(buildDir, buildMount)]
        return RuntimeSandbox(
            session: SandboxSession(
                id: base.id, handle: base.handle, options: base.options, config: config, cgroup: base.cgroup,
                network: base.network))
    }

    var uid: Int { session.config.uid }
    var gid: Int { session.config.gid }
    var handle: String { session.handle }
    var isolationLevel: Int { session.isolationLevel }

    /// One process in the session's sandbox and cgroup: the same limits and reasons (timeout, OOM, signal)
    /// for a compile, a run and a shell.
    func run(
        _ argv: [String], cwd: String, env: [String: String], stdin: String?, timeoutMs: Int, maxOutputBytes: Int,
        events: EventSink
    ) async throws(DriverError) -> RunResult {
        try await session.run(
            command: argv, cwd: cwd, env: env, stdin: stdin, timeoutMs: timeoutMs, maxOutputBytes: maxOutputBytes,
            events: events)
    }

    /// Kills what is left of the session and removes its cgroup.
    func close() { session.close() }

    /// The probes' empty workspace and passwd/group, made once per refresh (before the probes run in parallel).
    static func prepareProbes() throws(DriverError) -> (workspace: String, etcDir: String) {
        let workspace = stateRoot + "/probe"
        try SandboxFiles.makeDirectory(workspace)
        return (workspace, try SandboxFiles.etcDir(uid: 65534, gid: 65534, name: "runtimes-probe"))
    }

    /// Runs a version probe as nobody in an empty read-only workspace: the interpreter must be visible inside
    /// the sandbox (a binary outside /usr would not be), which is what counts.
    static func probe(
        _ argv: [String], env: [String: String], timeoutMs: Int, prepared: (workspace: String, etcDir: String)
    ) async -> RunResult {
        var c = SandboxConfig(workspace: prepared.workspace, uid: 65534, gid: 65534)
        c.etcDir = prepared.etcDir
        c.env = env
        var spec = Sandbox.processSpec(
            c, command: argv, rlimits: ResourceLimit.sandboxDefaults(cpuSeconds: UInt64(timeoutMs / 1000 + 2)))
        spec.timeoutMs = timeoutMs
        spec.maxOutputBytes = 64 * 1024
        do throws(DriverError) {
            return try await ProcessRunner.run(spec)
        } catch {
            return RunResult(exitCode: nil, reason: "\(error)")
        }
    }
}
