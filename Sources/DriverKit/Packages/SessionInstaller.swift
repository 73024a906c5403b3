public import DriverProtocol

/// A runtime's package manager (pip for python, npm for node, bun for bun). Runner-based drivers get one
/// through `RunnerFlavor.installer`; process-per-run drivers call it from their `install`.
public protocol SessionInstaller: Sendable {
    /// Names for the handshake's `packageManagers`.
    var managers: [String] { get }
    /// Environment every execution of the session gets (PATH to the venv / node_modules bins, ...).
    var sessionEnv: [String: String] { get }
    func install(_ request: InstallRequest, session: SandboxSession, events: EventSink) async throws(DriverError)
        -> InstallOutcome
    /// When a shell command is really an install (`pip install x`, `npm i x`), the request it means; nil
    /// runs the command as a plain shell (offline).
    func shellInstall(_ request: ShellRequest) throws(DriverError) -> InstallRequest?
}

extension SessionInstaller {
    /// Runs a shell command that `shellInstall` recognised, answering like a shell (stdout, stderr, exit code).
    public func runShellInstall(_ install: InstallRequest, session: SandboxSession, events: EventSink)
        async throws(DriverError) -> RunResult
    {
        let outcome = try await InstallLocks.serialized(session.id) { () throws(DriverError) in
            try await self.install(install, session: session, events: events)
        }
        if events.streaming {
            events.output(.stdout, outcome.run.stdout)
            events.output(.stderr, outcome.run.stderr)
        }
        return outcome.run
    }
}

extension InstallRequest {
    /// An install request built in the driver (from a shell command).
    public static func make(
        requestId: Int, session: String, handle: String?, manager: String, packages: [String],
        requirementsFile: String? = nil, global: Bool = false, flags: [String] = [],
        timeoutMs: Int, stream: Bool
    ) throws(DriverError) -> InstallRequest {
        guard (1...RunLimits.maxTimeoutMs).contains(timeoutMs) else {
            throw .invalidParams("field 'timeoutMs' must be between 1 and \(RunLimits.maxTimeoutMs), got \(timeoutMs)")
        }
        return InstallRequest(
            requestId: requestId,
            params: InstallParams(
                session: session, handle: handle, manager: manager, packages: packages,
                requirementsFile: requirementsFile,
                global: global, flags: flags, timeoutMs: timeoutMs, stream: stream))
    }
}

extension SessionInstaller {
    /// The request's `manager` names this installer (aliases: pip3/python → pip, node → npm).
    public func accepts(_ manager: String) -> Bool {
        let m = manager.lowercased()
        let alias =
            ["pip3": "pip", "python": "pip", "python3": "pip", "node": "npm", "nodejs": "npm", "javascript": "npm"][m]
            ?? m
        return managers.contains(alias)
    }

    /// Checks the manager, then installs; the JSON reply of the `install` request.
    public func handle(_ request: InstallRequest, session: SandboxSession, events: EventSink) async throws(DriverError)
        -> InstallReply
    {
        guard accepts(request.manager) else {
            throw .unsupported(
                "package manager \"\(request.manager.prefix(40))\" is not available here (this driver has: \(managers.joined(separator: ", ")))"
            )
        }
        return try await InstallLocks.serialized(session.id) { () throws(DriverError) in
            try await install(request, session: session, events: events)
        }
    }
}
