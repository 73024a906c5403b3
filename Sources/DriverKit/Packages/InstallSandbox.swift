public import DriverProtocol

/// Runs one installer process in a sandbox of its own: the session's sandbox (same uid, workspace, cgroup)
/// but with only the installer as its command and, when it needs the index, a network namespace of its own
/// whose only way out is an allowlisting proxy to the configured package indexes (`InstallEgress`).
public enum InstallSandbox: Sendable {
    /// Environment every installer gets: no user config files, no prompts, nothing from the workspace.
    public static let baseEnv: [String: String] = [
        "HOME": "/tmp", "PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
        "PIP_PROGRESS_BAR": "off", "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1",
        "npm_config_userconfig": "/tmp/no-user-npmrc", "npm_config_globalconfig": "/tmp/no-global-npmrc",
        "npm_config_update_notifier": "false",
    ]

    public struct Job: Sendable {
        public var command: [String]
        public var network = true
        /// With `network`: the only hosts the installer can reach (through `InstallEgress`).
        public var allowedHosts: Set<EgressProxy.Target> = []
        public var readOnlyBinds: [SandboxConfig.Bind] = []
        public var env: [String: String] = [:]
        public var timeoutMs: Int
        public var maxOutputBytes = 1 << 20
        /// Another identity and workspace (the cache fetcher); nil keeps the session's.
        public var identity: (uid: Int, gid: Int, workspace: String, etcDir: String?)?
        public var tmpSizeMB = 512

        public init(command: [String], timeoutMs: Int) { self.command = command; self.timeoutMs = timeoutMs }
    }

    public static func config(_ job: Job, session: SandboxSession) -> SandboxConfig {
        var c = session.config
        if let id = job.identity {
            c.uid = id.uid; c.gid = id.gid; c.workspace = id.workspace; c.etcDir = id.etcDir
        }
        c.network = job.network
        c.netnsFD = nil
        c.resolvConf = "/dev/null"  // the proxy resolves names; the installer's namespace has no DNS
        // The session's own env (options.env) is user-controlled: installers start from a clean one.
        c.env = baseEnv.merging(job.env) { _, new in new }
        c.readOnlyBinds += job.readOnlyBinds
        c.tmpSizeMB = job.tmpSizeMB
        return c
    }

    public static func run(_ job: Job, session: SandboxSession, progress: ProgressLines?) async throws(DriverError)
        -> RunResult
    {
        var c = config(job, session: session)
        // Never the host's network: a namespace whose only way out is the allowlisting proxy.
        let egress = job.network ? try InstallEgress.start(allowed: job.allowedHosts) : nil
        defer { egress?.stop() }
        if let egress {
            c.netnsFD = egress.namespace.fd
            c.env = c.env.merging(egress.env) { _, proxy in proxy }
        }
        var spec = Sandbox.processSpec(
            c, command: job.command, cgroup: session.cgroup, oneOff: true,
            rlimits: ResourceLimit.sandboxDefaults(cpuSeconds: UInt64(job.timeoutMs / 1000 + 5)))
        spec.timeoutMs = job.timeoutMs
        spec.maxOutputBytes = job.maxOutputBytes
        session.oneOffStarted()
        defer { session.oneOffEnded() }
        var r = try await ProcessRunner.run(spec) { stream, text in progress?.feed(stream, text) }
        progress?.finish()
        if let refused = egress?.proxy.refused, !refused.isEmpty, !r.succeeded {
            r.stderr +=
                "\ncodebeaker: refused egress to \(refused.joined(separator: ", ")): installs reach only the configured package index\n"
        }
        return r
    }
}
