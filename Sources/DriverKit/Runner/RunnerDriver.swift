public import DriverProtocol
import Glibc

/// A complete `DriverRuntime` for interpreters that run a persistent runner per session (python, node):
/// session.open creates the sandbox and starts the runner in the background; execute/shell are jobs for it.
public final class RunnerDriver: DriverRuntime {
    public let flavor: RunnerFlavor
    let sessions = SessionStore<RunnerSandboxEntry>()
    /// One open at a time per session id (see `KeyedGate`).
    let opening = KeyedGate()

    public init(flavor: RunnerFlavor) {
        self.flavor = flavor
        // Cgroups of an earlier instance of this driver (crashed, killed) hold nothing we can re-adopt:
        // its runners died with it. Remove them.
        SessionCgroup.removeStaleNowAndLater(prefix: flavor.name + "-")
    }

    public var name: String { flavor.name }
    public var version: String { flavor.version }

    /// Why the runtime cannot work here, or nil.
    public func unavailableReason() -> String? {
        let interpreter = flavor.effectiveInterpreter
        return RunnerSandboxEntry.unavailableReason(
            driver: flavor.name, missing: access(interpreter, X_OK) == 0 ? nil : interpreter)
    }

    public func capabilities() -> DriverCapabilities {
        var c = flavor.capabilities
        if let why = unavailableReason() {
            c.available = false
            c.unavailableReason = why
            c.installHint = flavor.installHint
        }
        // Without cgroups there are no memory/pids limits: say so in the figure.
        if !SessionCgroup.isAvailable { c.isolationLevel = min(c.isolationLevel, 5) }
        return c
    }

    public func openSession(_ request: SessionOpenParams) async throws -> SessionOpenReply {
        if sessions.find(request.session) == nil, let why = unavailableReason() {
            throw DriverError.unavailable(why + ". " + flavor.installHint)
        }
        return try await sessions.open(request, gate: opening) {
            let files = flavor.files
            for f in files { try SandboxFiles.write(f.text, to: f.hostPath) }
            var req = request
            req.handle = "\(flavor.name):\(request.session)"
            let sandbox = try SandboxSession.open(req, cgroupPrefix: "\(flavor.name)-\(getpid())-")
            var binds: [SandboxConfig.Bind] = files.map { .init($0.hostPath, $0.sandboxPath) }
            var script = flavor.scriptSandboxPath
            if let compiled = flavor.compile?(flavor.scriptHostPath) {
                script = "/opt/codebeaker/" + (compiled.split(separator: "/").last.map(String.init) ?? "")
                binds.append(.init(compiled, script))
            }
            var launch = RunnerLaunch(
                name: flavor.name, command: flavor.command(flavor.effectiveInterpreter, script, request.options),
                readOnlyBinds: binds, env: flavor.env)
            launch.jobsInFreshProcesses = flavor.freshProcessPerJob && !request.options.stateful
            return (sandbox, launch)
        }
    }

    public func closeSession(_ request: SessionCloseParams) async { await sessions.close(request.session) }

    public func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        try await sessions.execute(request, events: events)
    }

    public func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult {
        let e = try sessions.get(request.session)
        // `pip install x` / `npm install x` as a shell: an install (network only for the installer, see docs/packages.md).
        if let installer = flavor.installer, let install = try installer.shellInstall(request) {
            return try await installer.runShellInstall(install, session: e.sandbox, events: events)
        }
        return try await e.runner.run(RunnerJob(request), events: events)
    }

    public func install(_ request: InstallRequest, events: EventSink) async throws -> InstallReply {
        guard let installer = flavor.installer else {
            throw DriverError.unsupported("\(name) driver does not support package installation")
        }
        return try await installer.handle(request, session: sessions.get(request.session).sandbox, events: events)
    }

    public func shutdown() async { await sessions.closeAll() }
}
