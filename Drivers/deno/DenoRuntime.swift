import DriverKit
import DriverProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// Deno sessions: a bubblewrap sandbox per session with one persistent deno runner started with the session's
/// permission flags. `execute` is a fresh module in that runner (~1 ms instead of deno's ~46 ms start);
/// `shell` runs a fresh sandboxed process (Deno's permissions do not apply to other programs).
final class DenoRuntime: DriverRuntime {
    let name = "deno"
    let version = "0.1.0"
    private let sessions = SessionStore<RunnerSandboxEntry>()
    /// One open at a time per session id (see `KeyedGate`).
    private let opening = KeyedGate()
    private let binary: String?

    static let files = (runner: "deno-runner.ts", control: "deno-control.mjs", importMap: "deno-import-map.json")
    static let hostDir = "\(SandboxFiles.root)/runners/deno"
    static let sandboxDir = "/opt/codebeaker"
    static let installHint =
        "pip install deno (the pip package ships the deno binary), or set CODEBEAKER_DENO to a deno executable"

    init() {
        // pip's deno wheel puts the binary itself in the scripts directory (/usr/local/bin for root on Debian);
        // scripts/setup.sh links it there when that directory is elsewhere (pyenv, a venv).
        binary = RuntimeLocator.find(env: "CODEBEAKER_DENO", name: "deno")
        // Cgroups of an earlier instance of this driver (crashed, killed) hold nothing to re-adopt.
        SessionCgroup.removeStaleNowAndLater(prefix: "deno-")
    }

    func unavailableReason() -> String? {
        RunnerSandboxEntry.unavailableReason(driver: "deno", missing: binary == nil ? "deno" : nil)
    }

    func capabilities() -> DriverCapabilities {
        let why = unavailableReason()
        return DriverCapabilities(
            languages: [
                .init(name: "typescript", aliases: ["deno", "ts"], extensions: [".ts", ".tsx"]),
                .init(name: "javascript", aliases: ["js", "deno-js"], extensions: [".js", ".mjs"]),
            ],
            // isolation 7: the OS sandbox (namespaces, cgroup, uid) plus Deno's own permissions.
            runtimeType: "Deno", isolationLevel: SessionCgroup.isAvailable ? 7 : 5, startupMs: 2, memoryMB: 60,
            packageManagers: [], stateful: false, interrupt: true, streaming: true, networkControl: true,
            available: why == nil, unavailableReason: why, installHint: why == nil ? nil : Self.installHint)
    }

    func openSession(_ request: SessionOpenParams) async throws -> SessionOpenReply {
        try await sessions.open(request, gate: opening, extraIsolation: 1) { try build(request) }
    }

    /// This runtime's sandbox and runner for a new session.
    private func build(_ request: SessionOpenParams) throws -> (sandbox: SandboxSession, launch: RunnerLaunch) {
        if let why = unavailableReason() { throw DriverError.unavailable(why + ". " + Self.installHint) }
        let permissions: DenoPermissions
        do { permissions = try DenoPermissions(json: request.options.permissions) } catch {
            throw DriverError.invalidParams(error.description)
        }
        let provided = try RuntimeBinaries.provide(name: "deno", executable: binary!)
        // This build's version of the files, in a directory no other build writes (see VersionedFiles).
        let filesDir = try VersionedFiles.write(
            [
                (Self.files.runner, denoRunnerScript), (Self.files.control, denoControlScript),
                (JSControlReader.fileName, JSControlReader.text),
                (Self.files.importMap, #"{"scopes":{"file:///tmp/cb/":{"file:///tmp/cb/":"file:///workspace/"}}}"#),
            ], under: Self.hostDir)
        var req = request
        req.handle = "deno:\(request.session)"
        let sandbox = try SandboxSession.open(
            req, readOnlyBinds: [provided.bind, .init(filesDir, Self.sandboxDir)],
            env: [
                // npm:/jsr: cache per session, kept with the workspace (docs/packages.md)
                "DENO_DIR": "/workspace/.deno",
                "NO_COLOR": "1", "DENO_NO_UPDATE_CHECK": "1", "DENO_NO_PROMPT": "1",
            ],
            path: "\(RuntimeBinaries.sandboxRoot)/deno:/usr/local/bin:/usr/bin:/bin", cgroupPrefix: "deno-\(getpid())-")
        let launch = RunnerLaunch(
            name: "deno",
            command: Self.command(
                deno: provided.sandboxExecutable,
                permissions: permissions, options: request.options))
        return (sandbox, launch)
    }

    /// The runner's argv: a shell wrapper turns the driver's control socket (fd 3) into pipes Deno can open
    /// (fd 7 in, fd 6 out) and takes the whole sandbox down if deno exits.
    static func command(deno: String, permissions: DenoPermissions, options: SessionOpenOptions) -> [String] {
        let heapMB = max(32, options.memoryLimitMB * 3 / 4)
        return [
            "/bin/sh", "-c", RunnerLaunch.pipeWrapper, "deno-runner", deno, "run", "--no-prompt", "--quiet",
            "--no-config", "--no-lock",
            "--import-map=\(sandboxDir)/\(files.importMap)", "--v8-flags=--max-old-space-size=\(heapMB)",
        ]
            + permissions.flags + ["\(sandboxDir)/\(files.runner)"]
    }

    func closeSession(_ request: SessionCloseParams) async { await sessions.close(request.session) }

    func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        try await sessions.execute(request, events: events)
    }

    func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult {
        try await sessions.shell(request, events: events)
    }

    func shutdown() async { await sessions.closeAll() }
}
