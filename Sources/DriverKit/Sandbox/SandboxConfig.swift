/// What one sandboxed process sees: the session's workspace at /workspace, read-only /usr and a minimal /etc,
/// a private size-limited /tmp, and nothing else of the host.
public struct SandboxConfig: Sendable, Equatable {
    public struct Bind: Sendable, Equatable {
        public var source: String
        public var destination: String
        public init(_ source: String, _ destination: String) { self.source = source; self.destination = destination }
    }

    /// Host path of the session workspace (bound read-write at /workspace).
    public var workspace: String
    public var uid: Int
    public var gid: Int
    /// Share the namespace `netnsFD` (never the host's); otherwise the sandbox has only a loopback of its own.
    public var network = false
    /// With `network`: the namespace (fd) the sandbox is spawned in and shares (`SessionNetwork`,
    /// `InstallEgress`); nil: no network even with `network`.
    public var netnsFD: Int32?
    /// With `network`: the file bound at /etc/resolv.conf (nil: the host's).
    public var resolvConf: String?
    /// Extra read-only binds (runtime directories, runner scripts).
    public var readOnlyBinds: [Bind] = []
    /// Extra read-write binds (the runtimes driver's per-session build directory at /build).
    public var readWriteBinds: [Bind] = []
    /// Environment on top of the base one (PATH, HOME, USER, LANG, TMPDIR); the host's is never inherited.
    public var env: [String: String] = [:]
    public var path = "/usr/local/bin:/usr/bin:/bin"
    /// Size of the private tmpfs at /tmp.
    public var tmpSizeMB = 64
    /// Directory holding the generated passwd/group (see `SandboxFiles`); nil binds none.
    public var etcDir: String?
    public var hostname = "sandbox"
    public var cwd = "/workspace"

    public init(workspace: String, uid: Int, gid: Int) { self.workspace = workspace; self.uid = uid; self.gid = gid }
}
