public import CSystem
public import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem
import Synchronization

/// One running driver executable and its three pipes.
///
/// A single dedicated I/O thread per process spawns the child (PR_SET_PDEATHSIG is tied to the *thread* that
/// forked, and pool threads come and go), then multiplexes with `poll`: stdout lines go to `onLine`, stderr lines
/// to the host log, queued requests to stdin (non-blocking, so a driver that stops reading cannot block anyone),
/// and the pidfd reports the exit, which is reaped here. `onExit` runs once, after the last stdout line, with
/// every fd of this process already closed.
public final class DriverProcess: Sendable {
    public struct SpawnError: Error, Sendable, CustomStringConvertible {
        public var errno: Int32
        public var description: String { String(cString: strerror(errno)) }
    }

    /// Requests queued but not yet written may not exceed this; `send` refuses more.
    public static let maxQueuedBytes = 64 * 1024 * 1024

    public let path: String
    public let name: String
    let arguments: [String]
    let environment: [String: String]
    let maxLineBytes: Int
    let logger: Logger
    let onLine: @Sendable (LineFramer.Item) -> Void
    let onExit: @Sendable (DriverExit) -> Void

    struct State {
        var pid: pid_t = 0
        var reaped = false
        var exit: DriverExit?
        var queue: [[UInt8]] = []
        var queuedBytes = 0
        var closeStdin = false
        var stdinClosed = false
        var spawnResult: Int32?
        /// Set (under the lock) when the I/O thread closes `wakeFD`; nobody signals it afterwards.
        var wakeClosed = false
    }
    let state = Mutex(State())
    /// Wakes the I/O thread when there is something to write or stdin should close.
    let wakeFD: Int32

    public var pid: pid_t { state.withLock { $0.pid } }
    public var hasExited: Bool { state.withLock { $0.reaped } }

    /// Spawns `path` in its own session on the process's I/O thread and returns once fork/exec is done. The
    /// caller's Task is suspended meanwhile, not blocked: no thread of the Swift concurrency pool waits.
    public init(
        path: String, name: String, arguments: [String] = [], environment: [String: String] = [:],
        maxLineBytes: Int = DriverWire.maxLineBytes, logger: Logger,
        onLine: @escaping @Sendable (LineFramer.Item) -> Void,
        onExit: @escaping @Sendable (DriverExit) -> Void
    ) async throws(SpawnError) {
        self.path = path; self.name = name; self.arguments = arguments; self.environment = environment
        self.maxLineBytes = maxLineBytes; self.logger = logger; self.onLine = onLine; self.onExit = onExit
        _ = cs_ignore_sigpipe()
        wakeFD = cs_eventfd()
        guard wakeFD >= 0 else { throw SpawnError(errno: -wakeFD) }
        let result = await withCheckedContinuation { (spawned: CheckedContinuation<Int32, Never>) in
            OSThread.start(name: "driver-\(name)") { [self] in
                self.threadMain { spawned.resume(returning: $0) }
            }
        }
        if result != 0 { throw SpawnError(errno: result) }
    }

    /// Queues one line (newline included) for the driver's stdin. False when stdin is closed or the driver
    /// has stopped reading and the queue is full.
    @discardableResult
    public func send(_ line: [UInt8]) -> Bool {
        let ok = state.withLock { s -> Bool in
            guard !s.closeStdin, !s.stdinClosed, !s.reaped, s.queuedBytes + line.count <= Self.maxQueuedBytes else {
                return false
            }
            s.queue.append(line)
            s.queuedBytes += line.count
            if !s.wakeClosed { _ = cs_eventfd_signal(wakeFD) }
            return true
        }
        return ok
    }

    /// Closes stdin once everything queued is written: the protocol's "shut down" signal.
    public func closeStdin() {
        state.withLock { s in
            s.closeStdin = true
            if !s.wakeClosed { _ = cs_eventfd_signal(wakeFD) }
        }
    }

    /// Signals the driver's whole process group; a no-op once it has been reaped, so a recycled pid is never hit.
    public func signal(_ sig: Int32) {
        state.withLock { s in
            guard !s.reaped, s.pid > 0 else { return }
            _ = kill(-s.pid, sig)
            _ = kill(s.pid, sig)
        }
    }

    // MARK: - spawning (on the I/O thread)

    /// Returns (stdin write end, stdout read end, stderr read end) or nil after recording the error.
    func spawnChild() -> (Int32, Int32, Int32)? {
        var inP: [Int32] = [-1, -1], outP: [Int32] = [-1, -1], errP: [Int32] = [-1, -1]
        func closeAll() { for fd in inP + outP + errP where fd >= 0 { close(fd) } }
        var piped = cs_pipe(&inP, 0)
        if piped == 0 { piped = cs_pipe(&outP, 0) }
        if piped == 0 { piped = cs_pipe(&errP, 0) }
        guard piped == 0 else {
            closeAll()
            state.withLock { $0.spawnResult = -piped }
            return nil
        }
        var env = ProcessInfo.processInfo.environment
        if env[Self.sandboxToolVariable] == nil, let tool = Self.sandboxToolBesideHost {
            env[Self.sandboxToolVariable] = tool
        }
        for (k, v) in environment { env[k] = v }
        let argv = [path] + arguments
        let envv = env.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let r = withCStrings(argv) { cargv in
            withCStrings(envv) { cenv in
                path.withCString { cpath in
                    var opts = cs_spawn_opts(
                        stdin_fd: inP[0], stdout_fd: outP[1], stderr_fd: errP[1], cwd: nil,
                        uid: -1, gid: -1, new_session: 1, no_new_privs: 0, die_with_parent: 1,
                        cgroup_procs: nil, rlimits: nil, rlimit_count: 0, new_keyring: 0, oom_score_adj: CS_OOM_KEEP,
                        memory_merge: 0, no_aslr: 0)
                    return cs_spawn(cpath, cargv, cenv, &opts, &pid)
                }
            }
        }
        close(inP[0]); close(outP[1]); close(errP[1])
        if r != 0 {
            close(inP[1]); close(outP[0]); close(errP[0])
            state.withLock { $0.spawnResult = -r }
            return nil
        }
        _ = cs_set_nonblocking(inP[1], 1)
        state.withLock {
            $0.pid = pid; $0.spawnResult = 0
        }
        return (inP[1], outP[0], errP[0])
    }

    /// Reaps the child if it has exited. Runs under the state lock so `signal` never races a recycled pid.
    func reapIfExited() -> Bool {
        state.withLock { s in
            if s.reaped { return true }
            var exited: Int32 = 0, code: Int32 = 0, signaled: Int32 = 0, sig: Int32 = 0
            let r = cs_wait(s.pid, 1, &exited, &code, &signaled, &sig)
            guard r == s.pid || r == -ECHILD else { return false }
            s.reaped = true
            s.exit =
                r == s.pid
                ? (signaled != 0 ? DriverExit(signal: Int(sig)) : DriverExit(code: Int(code))) : DriverExit(code: nil)
            s.queue.removeAll(); s.queuedBytes = 0
            return true
        }
    }
}

/// Builds a NULL-terminated `char *const[]` for the duration of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for p in ptrs { free(p) } }
    return ptrs.withUnsafeBufferPointer { body($0.baseAddress!) }
}
