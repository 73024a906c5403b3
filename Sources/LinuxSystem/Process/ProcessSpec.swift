/// How to start one process. Paths are host paths; nothing here is sandbox-specific (see `Sandbox`).
public struct ProcessSpec: Sendable {
    /// Absolute path of the program.
    public var executable: String
    /// The full argv, argv[0] included.
    public var arguments: [String]
    /// The complete environment; nothing is inherited from the driver.
    public var environment: [String: String]
    public var cwd: String?
    public var uid: Int?
    public var gid: Int?
    /// setsid(): the child leads its own process group, which is what timeouts kill.
    public var newSession = true
    public var noNewPrivs = true
    /// Join a fresh anonymous session keyring, so no key of the driver's (a systemd service's) session
    /// keyring is shared with, or left behind by, the child.
    public var newKeyring = true
    /// /proc/self/oom_score_adj for the child (-1000...1000); nil keeps the parent's.
    public var oomScoreAdj: Int?
    /// Mark the child's memory mergeable for KSM (PR_SET_MEMORY_MERGE); inherited across fork and exec.
    /// The spawn fails on a kernel without it (older than 6.4) rather than silently not merging.
    public var memoryMerge = false
    /// Start the child without address-space randomisation (inherited too): identical interpreters then
    /// have identical heap pages, which is what lets KSM merge them across sessions.
    public var noASLR = false
    /// SIGKILL the child if the spawning thread dies.
    public var dieWithParent = true
    /// cgroup.procs files the child joins before exec.
    public var cgroupProcs: [String] = []
    public var rlimits: [ResourceLimit] = []
    /// A network namespace (fd) the child starts in; nil keeps the driver's.
    public var netnsFD: Int32?
    /// A seccomp program handed to the child on descriptor `fd` (bwrap's `--seccomp FD`), which must be
    /// the one after the caller's extra descriptors.
    public var seccomp: (fd: Int32, program: [UInt8])?
    /// Bytes fed to stdin, which is then closed; nil means /dev/null.
    public var stdin: [UInt8]?
    /// Wall-clock limit; nil means none.
    public var timeoutMs: Int?
    /// Per-stream cap; more output is read and dropped, and flagged (the driver wire's default, 1 MiB).
    public var maxOutputBytes: Int = 1 << 20
    /// Called (once) whenever the runner kills the process group, e.g. to kill a cgroup's other pids too.
    public var onKill: (@Sendable () -> Void)?

    public init(executable: String, arguments: [String]? = nil, environment: [String: String] = [:], cwd: String? = nil)
    {
        self.executable = executable
        self.arguments = arguments ?? [executable]
        self.environment = environment
        self.cwd = cwd
    }
}
