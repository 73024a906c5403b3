import DriverKit
import DriverProtocol
import Glibc
import Synchronization

/// The declarative driver: every language of the manifest directories (docs/runtimes.md), one sandbox per
/// session, processes spawned per run (no warm runner), `shell` in the same sandbox.
final class RuntimesDriver: DriverRuntime, Sendable {
    let name = "runtimes"
    let version = "0.1.0"
    let catalog: Catalog
    let sessions = SessionStore<RuntimeSession>()
    /// How often the manifest directories are checked for changes.
    let pollInterval: Duration
    private let poller = Mutex<Task<Void, Never>?>(nil)
    private let opening = AsyncGate()

    init(catalog: Catalog, pollInterval: Duration = .seconds(2)) {
        self.catalog = catalog; self.pollInterval = pollInterval
    }

    // Capability figures: isolationLevel 6 as the other sandboxed drivers (namespaces + cgroup limits +
    // unprivileged uid + no_new_privs); startupMs a spawn per run (bwrap + interpreter, ~30-80 ms);
    // memoryMB: nothing runs between executions.
    func capabilities() -> DriverCapabilities {
        DriverCapabilities(
            languages: catalog.languages.map(\.capability), runtimeType: "Runtimes", isolationLevel: 6,
            startupMs: 50, memoryMB: 2, stateful: false, interrupt: true, streaming: true, networkControl: true,
            available: Sandbox.isAvailable,
            unavailableReason: Sandbox.isAvailable ? nil : "bubblewrap (\(Sandbox.bwrapPath)) is missing",
            installHint: Sandbox.isAvailable ? nil : "apt-get install bubblewrap")
    }

    /// Polls the manifest directories; a change is announced with `capabilities.changed`.
    func attach(notify: @escaping @Sendable (String, JSONValue) -> Void) {
        let catalog = self.catalog, interval = pollInterval
        let task = Task { [weak self] in
            var announced = catalog.revision
            while !Task.isCancelled {
                await catalog.refresh()
                if catalog.revision != announced, let self {
                    announced = catalog.revision
                    notify(DriverWire.Event.capabilitiesChanged, ["capabilities": self.capabilities().json])
                }
                try? await Task.sleep(for: interval)
            }
        }
        poller.withLock { $0 = task }
    }

    func openSession(_ request: SessionOpenParams) async throws -> SessionOpenReply {
        await catalog.waitForProbe(request.language ?? "")
        // Opens run one at a time (each takes milliseconds): two opens of one id must not both build a sandbox.
        guard await opening.acquire() else { throw DriverError.cancelled() }
        defer { opening.release() }
        if let existing = sessions.find(request.session) {
            return SessionOpenReply(handle: existing.sandbox.handle, readopted: true)
        }
        let lang = try available(request.language ?? "")
        var req = request
        req.handle = "runtimes:\(request.session)"
        req.options = RunBudget.sessionOptions(request.options, lang.manifest.limits)
        // The sandbox open decides the uid (options, else the workspace owner); the directory is made for it.
        let path = BuildDirectory.path(session: request.session)
        let sandbox = try RuntimeSandbox.open(req, buildDir: path)
        let build: BuildDirectory
        do throws(DriverError) {
            build = try BuildDirectory.create(
                path: path, uid: sandbox.uid, gid: sandbox.gid, sizeMB: max(16, req.options.memoryLimitMB / 2))
        } catch {
            sandbox.close()
            throw error
        }
        let s = RuntimeSession(language: lang.status.name, sandbox: sandbox, build: build)
        sessions.put(request.session, s)
        return SessionOpenReply(handle: sandbox.handle, isolationLevel: sandbox.isolationLevel)
    }

    func closeSession(_ request: SessionCloseParams) async {
        sessions.remove(request.session)?.close()
    }

    func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        try await executeReply(request, events: events).run
    }

    func executeReply(_ request: ExecuteRequest, events: EventSink) async throws -> RunReply {
        let s = try sessions.get(request.session)
        await catalog.waitForProbe(request.language ?? s.language)
        let lang = try available(request.language ?? s.language)
        guard await s.gate.acquire() else { throw DriverError.cancelled() }
        defer { s.gate.release() }
        let execution = RuntimeExecution(manifest: lang.manifest, toolchain: lang.status.version ?? "", session: s)
        return try await execution.run(request, events: events)
    }

    func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult {
        let s = try sessions.get(request.session)
        guard let cwd = SandboxPath.inside(request.cwd) else {
            throw DriverError.invalidParams("field 'cwd' must be a path inside /workspace, got \"\(request.cwd)\"")
        }
        guard await s.gate.acquire() else { throw DriverError.cancelled() }
        defer { s.gate.release() }
        return try await s.sandbox.run(
            [request.command] + request.args, cwd: cwd, env: request.env, stdin: request.stdin,
            timeoutMs: request.timeoutMs, maxOutputBytes: request.maxOutputBytes, events: events)
    }

    func shutdown() async {
        poller.withLock { $0?.cancel() }
        for s in sessions.removeAll() { s.close() }
    }

    /// The language's manifest, or -32003-style unavailable naming the reason and the install hint.
    private func available(_ name: String) throws(DriverError) -> (status: LanguageStatus, manifest: Manifest) {
        guard let l = catalog.language(name) else {
            let known = catalog.languages.map(\.name).joined(separator: ", ")
            throw .invalidParams("unknown language '\(name)' (runtime manifests: \(known.isEmpty ? "none" : known))")
        }
        guard let m = l.manifest, l.available else {
            throw .unavailable(
                "language '\(l.name)' is unavailable: \(l.unavailableReason ?? "unknown")"
                    + (l.installHint.map { ". \($0)" } ?? ""))
        }
        return (l, m)
    }
}
