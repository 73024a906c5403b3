public import DriverProtocol
import Glibc

/// Builds bubblewrap command lines. The driver (root) spawns bwrap already switched to the session uid with
/// no_new_privs (ProcessSpec), so bwrap uses an unprivileged user namespace and cannot regain anything; the
/// cgroup is joined before the uid switch.
public enum Sandbox: Sendable {
    public static let bwrapPath = "/usr/bin/bwrap"
    public static var isAvailable: Bool { access(bwrapPath, X_OK) == 0 }

    /// Read-only bits of /etc a runtime needs; missing ones are skipped (--ro-bind-try). The second group is
    /// toolchain configuration that Debian keeps outside /usr (the JDK's jvm.cfg and java.security, R's ldpaths,
    /// fpc.cfg, GnuCOBOL's default.conf, nim.cfg, racket's config.rktd, GHC's package database): public package
    /// files, no secrets. Keep in step with scripts/check-runtimes.py (ETC_FILES).
    public static let etcFiles = [
        "/etc/ld.so.cache", "/etc/ssl", "/etc/ca-certificates", "/etc/localtime",
        "/etc/alternatives", "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types",
        "/etc/java-17-openjdk", "/etc/R", "/etc/fpc.cfg", "/etc/gnucobol", "/etc/nim", "/etc/racket",
        "/var/lib/ghc",
    ]

    /// The full argv (bwrap first) that runs `command` inside the sandbox.
    public static func arguments(_ c: SandboxConfig, command: [String]) -> [String] {
        // --disable-userns: code cannot make nested user namespaces (uid 0 inside one is kernel attack surface).
        var a = [bwrapPath, "--unshare-all", "--unshare-user", "--disable-userns"]
        // Fail closed: network means the namespace the sandbox is spawned in (netnsFD), never the driver's.
        if c.network && c.netnsFD != nil { a.append("--share-net") }
        a += [
            "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        ]
        for f in etcFiles { a += ["--ro-bind-try", f, f] }
        if c.network { a += ["--ro-bind-try", c.resolvConf ?? "/etc/resolv.conf", "/etc/resolv.conf"] }
        if let etc = c.etcDir {
            a += ["--ro-bind", etc + "/passwd", "/etc/passwd", "--ro-bind", etc + "/group", "/etc/group"]
        }
        a += [
            "--proc", "/proc", "--dev", "/dev",
            "--size", String(c.tmpSizeMB << 20), "--tmpfs", "/tmp",
            "--bind", c.workspace, "/workspace",
        ]
        for b in c.readOnlyBinds { a += ["--ro-bind", b.source, b.destination] }
        for b in c.readWriteBinds { a += ["--bind", b.source, b.destination] }
        // The sandbox root is a tmpfs; making it read-only leaves /workspace and /tmp as the only writable places.
        a += ["--remount-ro", "/"]
        a += [
            "--chdir", c.cwd, "--uid", String(c.uid), "--gid", String(c.gid), "--hostname", c.hostname,
            "--clearenv",
        ]
        for (k, v) in baseEnvironment(c).sorted(by: { $0.key < $1.key }) { a += ["--setenv", k, v] }
        a.append("--")
        return a + command
    }

    /// The seccomp program every sandbox gets (nil on an architecture without a syscall table).
    public static let seccompProgram: [UInt8]? = SeccompFilter.sandboxBytes()

    /// The kernel's OOM killer picks sandboxes first, before the driver and the host (which stay at 0).
    public static let sandboxOOMScoreAdj = 1000

    public static func baseEnvironment(_ c: SandboxConfig) -> [String: String] {
        var env = [
            "PATH": c.path, "HOME": "/workspace", "USER": "sandbox", "LOGNAME": "sandbox",
            "LANG": "C.UTF-8", "TMPDIR": "/tmp", "HOSTNAME": c.hostname,
        ]
        for (k, v) in c.env { env[k] = v }
        return env
    }

    /// A ProcessSpec that starts bwrap as the session uid, inside `cgroup` (when given), with `rlimits`.
    /// bwrap needs no environment of its own; the sandbox's is set with --setenv. A one-off job (`oneOff`)
    /// goes into the cgroup's jobs pids group, which keeps some pids back for the session's runner.
    /// `extraFds`: how many descriptors besides stdio the caller passes to `Spawner.spawn` (the seccomp
    /// program goes on the next one).
    public static func processSpec(
        _ c: SandboxConfig, command: [String], cgroup: SessionCgroup? = nil, oneOff: Bool = false,
        rlimits: [ResourceLimit] = ResourceLimit.sandboxDefaults(), extraFds: Int = 0,
        memoryMerge: MemoryMerge = Sandbox.memoryMerge
    ) -> ProcessSpec {
        var spec = ProcessSpec(
            executable: bwrapPath, arguments: arguments(c, command: command), environment: [:], cwd: "/")
        // bwrap installs the filter last, just before it execs the command (see SeccompFilter).
        if let program = seccompProgram {
            let fd = Int32(3 + extraFds)
            spec.arguments.insert(contentsOf: ["--seccomp", String(fd)], at: 1)
            spec.seccomp = (fd, program)
        }
        spec.oomScoreAdj = sandboxOOMScoreAdj
        spec.uid = c.uid
        spec.gid = c.gid
        spec.cgroupProcs = (oneOff ? cgroup?.jobProcsFiles : cgroup?.procsFiles) ?? []
        spec.rlimits = rlimits
        spec.netnsFD = c.netnsFD
        apply(memoryMerge, to: &spec)
        return spec
    }
}
