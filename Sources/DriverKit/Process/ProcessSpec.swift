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
    /// SIGKILL the child if the spawning thread dies.
    public var dieWithParent = true
    /// cgroup.procs files the child joins before exec.
    public var cgroupProcs: [String] = []
    public var rlimits: [ResourceLimit] = []
    /// A network namespace (fd) the child starts in; nil keeps the driver's.
    public var netnsFD: Int32?
    /// Bytes fed to stdin, which is then closed; nil means /dev/null.
    public var stdin: [UInt8]?
    /// Wall-clock limit; nil means none.
    public var timeoutMs: Int?
    /// Per-stream cap; more output is read and dropped, and flagged.
    public var maxOutputBytes: Int = RequestDefaults.maxOutputBytes
    /// Called (once) whenever the runner kills the process group, e.g. to kill a cgroup's other pids too.
    public var onKill: (@Sendable () -> Void)?

    public init(executable: String, arguments: [String]? = nil, environment: [String: String] = [:], cwd: String? = nil) {
        self.executable = executable
        self.arguments = arguments ?? [executable]
        self.environment = environment
        self.cwd = cwd
    }
}
