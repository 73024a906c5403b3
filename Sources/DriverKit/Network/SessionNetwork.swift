import CSystem
import Glibc
import Synchronization

/// The network of a `network: true` session: a namespace of its own (so no loopback, abstract unix
/// socket or port is shared with the host or another session) whose only way out is a slirp4netns user-mode
/// NAT that cannot reach the host's loopback (`--disable-host-loopback`), plus prohibit routes for
/// `BlockedDestinations` (the host's addresses and subnets, private, link-local/metadata and reserved ranges).
/// Outbound connections to the internet work; nothing on the host or next to it is reachable.
public final class SessionNetwork: Sendable {
    public static let slirpPath = "/usr/bin/slirp4netns"
    /// What sandboxes of the session see as /etc/resolv.conf: slirp4netns's DNS forwarder.
    public static var resolvConf: String { SandboxFiles.root + "/etc/slirp-resolv.conf" }

    public let namespace: NetworkNamespace
    private let slirp: Mutex<pid_t>

    /// Creates the namespace, blocks the ranges, starts slirp4netns and waits until it has configured
    /// the interface (its ready fd), so the session's first process already has its network.
    public static func start(timeoutMs: Int = 5_000) throws(DriverError) -> SessionNetwork {
        guard access(slirpPath, X_OK) == 0 else {
            throw .unavailable(
                "network: \(slirpPath) is not installed, so a session cannot get an isolated network (apt-get install slirp4netns)"
            )
        }
        try SandboxFiles.write("nameserver 10.0.2.3\noptions edns0\n", to: resolvConf)
        let ns = try NetworkNamespace.create()
        do throws(DriverError) {
            for c in BlockedDestinations.all() { try ns.prohibit(c) }
            let pid = try startSlirp(ns, timeoutMs: timeoutMs)
            return SessionNetwork(namespace: ns, slirp: pid)
        } catch {
            ns.close()
            throw error
        }
    }

    init(namespace: NetworkNamespace, slirp: pid_t) { self.namespace = namespace; self.slirp = Mutex(slirp) }

    /// slirp4netns as root (it must enter the namespace to make its tap device), sandboxed by its own
    /// `--enable-sandbox --enable-seccomp`; started from a thread that waits for it, because
    /// PR_SET_PDEATHSIG fires when the spawning thread ends.
    static func startSlirp(_ ns: NetworkNamespace, timeoutMs: Int) throws(DriverError) -> pid_t {
        let ready: (read: Int32, write: Int32)
        do throws(SystemError) { ready = try FD.pipe(nonblockRead: false) } catch { throw DriverError(error) }
        let args = [
            slirpPath, "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp",
            "--netns-type=path", "--ready-fd=4", "/proc/self/fd/3", "tap0",
        ]
        let spec = ProcessSpec(executable: slirpPath, arguments: args, environment: ["PATH": "/usr/bin:/bin"], cwd: "/")
        let started = Mutex<Result<pid_t, DriverError>?>(nil)
        let nsfd = ns.fd
        OSThread.start {
            let r: Result<pid_t, DriverError>
            do throws(SystemError) {
                r = .success(try Spawner.spawn(spec, stdin: -1, stdout: -1, stderr: -1, extraFds: [nsfd, ready.write]))
            } catch { r = .failure(DriverError(error)) }
            started.withLock { $0 = r }
            FD.close(ready.write)
            guard case .success(let pid) = r else { return }
            var status: Int32 = 0
            _ = Syscall.retrying { waitpid(pid, &status, 0) }
        }
        // The ready fd gets "1" once tap0 is up; EOF first means slirp4netns failed.
        var pfd = pollfd(fd: ready.read, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, Int32(timeoutMs))
        var byte: UInt8 = 0
        let got = n == 1 ? Glibc.read(ready.read, &byte, 1) : -1
        FD.close(ready.read)
        var outcome = started.withLock { $0 }
        for _ in 0..<5_000 where outcome == nil {  // the thread stores the pid right after fork; at most ~1 s
            usleep(200)
            outcome = started.withLock { $0 }
        }
        guard case .success(let pid)? = outcome else {
            if case .failure(let e)? = outcome { throw e }
            throw .internal("slirp4netns did not start")
        }
        guard got == 1 else {
            kill(pid, SIGKILL)
            throw .unavailable("network: slirp4netns did not configure the session's network within \(timeoutMs) ms")
        }
        return pid
    }

    /// Stops the NAT and lets the namespace go (idempotent).
    public func close() {
        let pid = slirp.withLock { p -> pid_t in
            defer { p = 0 }; return p
        }
        if pid > 0 { kill(pid, SIGKILL) }
        namespace.close()
    }
}
