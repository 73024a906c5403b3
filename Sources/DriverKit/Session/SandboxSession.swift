public import DriverProtocol
import Glibc
import Synchronization

/// A session's sandbox environment: identity, workspace, cgroup and the bwrap configuration. Drivers that
/// spawn a process per run call `run`; persistent runners (`RunnerProcess`) start inside `config` too.
public final class SandboxSession: Sendable {
    public let id: String
    public let handle: String
    public let options: SessionOpenOptions
    /// The base sandbox; per-run settings (cwd, env) are applied on a copy.
    public let config: SandboxConfig
    public let cgroup: SessionCgroup?
    /// The session's own isolated network (`options.network`); nil: no network at all.
    public let network: SessionNetwork?
    /// One-off processes (shells, installs) running in the sandbox now, and how many ever started: the idle
    /// CPU watchdog of a runner must not count their CPU as the runner's background work.
    let oneOffs = Mutex<(running: Int, started: Int)>((0, 0))

    public init(
        id: String, handle: String, options: SessionOpenOptions, config: SandboxConfig, cgroup: SessionCgroup?,
        network: SessionNetwork? = nil
    ) {
        self.id = id; self.handle = handle; self.options = options; self.config = config; self.cgroup = cgroup
        self.network = network
    }

    /// Prepares the sandbox for `request`: picks the uid (options, else the workspace owner, else nobody),
    /// writes passwd/group, creates the cgroup. `readOnlyBinds` and `env` are added for the runtime.
    /// `cgroupPrefix` keeps two drivers' sessions with the same host id apart (use the driver name).
    public static func open(
        _ request: SessionOpenParams, readOnlyBinds: [SandboxConfig.Bind] = [],
        env: [String: String] = [:], path: String? = nil,
        cgroupPrefix: String = ""
    ) throws(DriverError) -> SandboxSession {
        var st = stat()
        guard stat(request.workspace, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw .invalidParams("field 'workspace' is not a directory: \(request.workspace)")
        }
        let owner = st.st_uid != 0 ? Int(st.st_uid) : 65534
        let uid = request.options.uid ?? owner
        let gid = request.options.gid ?? (st.st_gid != 0 ? Int(st.st_gid) : uid)
        var config = SandboxConfig(workspace: request.workspace, uid: uid, gid: gid)
        config.network = request.options.network
        config.readOnlyBinds = readOnlyBinds
        config.env = request.options.env.merging(env) { _, new in new }
        if let path { config.path = path }
        let safeName = String(
            (cgroupPrefix + request.session).map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        config.etcDir = try SandboxFiles.etcDir(uid: uid, gid: gid, name: safeName)
        // network:true is never the host's namespace: a namespace of its own with outbound NAT only.
        var network: SessionNetwork? = nil
        if request.options.network {
            do throws(DriverError) { network = try SessionNetwork.start() } catch {
                if let etc = config.etcDir { SandboxFiles.removeEtcDir(etc) }
                throw error
            }
        }
        config.netnsFD = network?.namespace.fd
        config.resolvConf = network == nil ? nil : SessionNetwork.resolvConf
        let cgroup = SessionCgroup.create(
            name: cgroupPrefix + request.session, memoryLimitMB: request.options.memoryLimitMB,
            pidsMax: request.options.pidsLimit, cpuShares: request.options.cpuShares,
            cpuQuotaPercent: request.options.cpuQuotaPercent,
            allSessionsMemoryMB: request.options.allSessionsMemoryMB)
        return SandboxSession(
            id: request.session, handle: request.handle ?? "sbx:\(request.session)",
            options: request.options, config: config, cgroup: cgroup, network: network)
    }

    /// Runs `command` (argv inside the sandbox) in a fresh bwrap, with the session's limits.
    public func run(
        command: [String], cwd: String? = nil, env: [String: String] = [:], stdin: String? = nil,
        timeoutMs: Int, maxOutputBytes: Int, events: EventSink
    ) async throws(DriverError) -> RunResult {
        var c = config
        if let cwd { c.cwd = cwd.hasPrefix("/") ? cwd : "/workspace/" + cwd }
        for (k, v) in env { c.env[k] = v }
        var spec = Sandbox.processSpec(
            c, command: command, cgroup: cgroup, oneOff: true,
            rlimits: ResourceLimit.sandboxDefaults(cpuSeconds: UInt64(timeoutMs / 1000 + 5)))
        spec.stdin = stdin.map { Array($0.utf8) }
        spec.timeoutMs = timeoutMs
        spec.maxOutputBytes = maxOutputBytes
        let oomBefore = cgroup?.oomKillCount() ?? 0
        oneOffStarted()
        defer { oneOffEnded() }
        var r = try await ProcessRunner.run(spec) { stream, text in events.output(stream, text) }
        if let cgroup, cgroup.oomKillCount() > oomBefore {
            r.reason = cgroup.oomReason()
        } else if r.reason == nil, let code = r.exitCode, [137, 139, 152, 153].contains(code) {
            // bwrap reports a signal death of the sandboxed program as 128+signal (KILL, SEGV, XCPU, XFSZ):
            // report it as the signal, as a direct child's would be (docs/driver-protocol.md#shell).
            r.reason = ExitReason.signal(code - 128)
            r.signal = code - 128
            r.exitCode = nil
        }
        return r
    }

    public func oneOffStarted() {
        oneOffs.withLock {
            $0.running += 1; $0.started += 1
        }
    }
    public func oneOffEnded() { oneOffs.withLock { $0.running -= 1 } }

    /// Kills every process of the session and removes its cgroup. Idempotent.
    public func close() {
        cgroup?.destroy()
        network?.close()
        if let etc = config.etcDir { SandboxFiles.removeEtcDir(etc) }
    }

    /// Isolation this session really has (docs: 6 = namespaces + cgroup limits, 5 without cgroups).
    public var isolationLevel: Int { cgroup == nil ? 5 : 6 }
}
