#if canImport(Glibc)
    import Glibc
#endif

/// Server-side settings of the session manager (the App layer fills them from `ServerConfig`).
public struct SessionManagerConfig: Sendable {
    /// Each session's workspace is `<workspaceRoot>/<sessionId>`.
    public var workspaceRoot = "/var/lib/codebeaker/workspaces"
    /// Sandbox uids/gids handed to sessions, one per live session.
    public var uidRange: ClosedRange<UInt32> = 100_000...165_535
    /// Give workspaces to the session's uid/gid (needs root; off automatically otherwise).
    public var chownWorkspaces = geteuid() == 0
    public var workspaceLimits = Workspace.Limits()
    /// The disk quota of each workspace when the storage enforces one (set from `WorkspaceStorage.quotaMB`).
    public var workspaceQuotaMB: Int?

    public var defaultIdleTimeoutMinutes = 30.0
    public var defaultMaxLifetimeMinutes = 120.0
    /// Upper bound a client may ask for (24 h).
    public var maxLifetimeCapMinutes = 1440.0
    public var defaultMemoryLimitMB = 512
    public var maxMemoryLimitMB = 8192
    /// The CPU weight of every session and the most a client may ask for (`sessionLimits.cpuShares`).
    public var defaultCpuShares = 1024
    /// `sessionLimits`: per-session CPU cap, memory of all sessions together (the parent cgroup's limit),
    /// the admission overcommit ratio, and the idle CPU budget of stateful sessions.
    public var cpuQuotaPercent = 0
    public var allSessionsMemoryMB = SessionLimitsConfig().effectiveAllSessionsMemoryMB()
    public var memoryOvercommit = 16.0
    public var idleCpuSeconds = 10.0
    public var pidsLimit = 256

    /// Per-execution timeout when the command gives none, and the most it may ask for.
    public var defaultTimeoutSeconds = 30.0
    public var maxTimeoutSeconds = 300.0
    public var installTimeoutSeconds = 300.0
    /// How long past an execution's timeout the host waits for the driver before giving up on the call.
    public var timeoutGraceSeconds = 10.0
    /// Cap per output stream (stdout, stderr) of one execution.
    public var maxOutputBytes = 1_048_576

    /// Executions (code, shell, install) running at once in one session; more wait in FIFO order.
    /// Stateful sessions always run one at a time (one interpreter). File commands never wait.
    public var maxConcurrentExecutionsPerSession = 4
    /// Live sessions on the server (reserved at the start of `session.create`; -32002 beyond).
    public var maxSessions = 1000
    /// Live sessions per principal enforced by the manager itself (-32029). Nil: none here; the server
    /// enforces the security layer's `maxSessionsPerPrincipal` through its policy instead.
    public var maxSessionsPerPrincipal: Int?
    /// File commands queued or running at once per session and per principal; more are refused (-32029).
    public var maxConcurrentFileCommandsPerSession = 2
    public var maxConcurrentFileCommandsPerPrincipal = 4
    /// The OS threads that do file commands (never the Swift concurrency pool).
    public var filePool = FileWorkPool.shared

    /// How often the reaper looks for expired sessions.
    public var reaperInterval: Duration = .seconds(5)
    /// A session reads Active for this long after its last command, then Idle.
    public var activeWindowSeconds = 60.0
    /// Pre-started sandboxes per driver; off unless the server sets it (tests build managers without one).
    public var pool = SessionPoolConfig.off
    /// Finished executions remembered for `execution.status`.
    public var finishedRunsKept = 1000
    /// This host's id in session ids and `session.create`'s route (several hosts behind a proxy).
    public var route = HostRoute()

    public init() {}
}
