public import DriverProtocol
import Glibc

/// A complete `DriverRuntime` for interpreters that run a persistent runner per session (python, node):
/// session.open creates the sandbox and starts the runner in the background; execute/shell are jobs for it.
public final class RunnerDriver: DriverRuntime {
    public let flavor: RunnerFlavor
    let sessions = SessionStore<Entry>()

    public struct Entry: Sendable {
        public let sandbox: SandboxSession
        public let runner: RunnerProcess
    }

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
        if access(flavor.effectiveInterpreter, X_OK) != 0 { return "\(flavor.effectiveInterpreter) not found" }
        if !Sandbox.isAvailable { return "\(Sandbox.bwrapPath) (bubblewrap) not found" }
        if geteuid() != 0 { return "the \(flavor.name) driver must run as root to switch to session uids" }
        return nil
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
        if let existing = sessions.find(request.session) {
            return SessionOpenReply(handle: existing.sandbox.handle, readopted: true)
        }
        if let why = unavailableReason() { throw DriverError.unavailable(why + ". " + flavor.installHint) }
        let files = flavor.files
        for f in files { try SandboxFiles.write(f.text, to: f.hostPath) }
        var req = request
        req.handle = "\(flavor.name):\(request.session)"
        let sandbox = try SandboxSession.open(req, cgroupPrefix: "\(flavor.name)-\(getpid())-")
        let launch = RunnerLaunch(
            name: flavor.name,
            command: flavor.command(flavor.effectiveInterpreter, flavor.scriptSandboxPath, request.options),
            readOnlyBinds: files.map { .init($0.hostPath, $0.sandboxPath) }, env: flavor.env)
        let runner = RunnerProcess(launch: launch, session: sandbox)
        sessions.put(request.session, Entry(sandbox: sandbox, runner: runner))
        // Under a burst of opens this waits for a start slot (docs/driver-protocol.md, "Start gate").
        try await runner.startForOpen(waitReady: request.options.waitReady) { _ = sessions.remove(request.session) }
        return SessionOpenReply(handle: sandbox.handle, isolationLevel: sandbox.isolationLevel)
    }

    public func closeSession(_ request: SessionCloseParams) async {
        guard let e = sessions.remove(request.session) else { return }
        await e.runner.stopAndWait()
        e.sandbox.close()
    }

    public func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        try await sessions.get(request.session).runner.run(RunnerJob(request), events: events)
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

    public func shutdown() async {
        for e in sessions.removeAll() {
            await e.runner.stopAndWait()
            e.sandbox.close()
        }
    }
}
