import CSystem
import Glibc

/// The epoll loop behind `ChildProcess`: reads both output pipes, feeds stdin, watches the pidfd, the
/// deadline and a cancel eventfd. Ends once the child has exited and its pipes are drained (or, if a
/// straggler holds them open, shortly after the group is killed).
struct PipePump {
    enum KillReason { case timeout, cancel }

    let pid: pid_t
    var stdoutFd: Int32
    var stderrFd: Int32
    var stdinFd: Int32
    var stdinBytes: [UInt8]
    var stdinOffset = 0
    var stdout: OutputCollector
    var stderr: OutputCollector
    let onOutput: ChildProcess.OutputHandler?

    init(
        pid: pid_t, stdout: Int32, stderr: Int32, stdinFd: Int32, stdinBytes: [UInt8], limit: Int,
        onOutput: ChildProcess.OutputHandler?
    ) {
        self.pid = pid; self.stdoutFd = stdout; self.stderrFd = stderr; self.stdinFd = stdinFd
        self.stdinBytes = stdinBytes; self.stdout = OutputCollector(limit: limit);
        self.stderr = OutputCollector(limit: limit)
        self.onOutput = onOutput
    }

    private static let tagOut: UInt64 = 1, tagErr: UInt64 = 2, tagIn: UInt64 = 3, tagPid: UInt64 = 4,
        tagCancel: UInt64 = 5

    mutating func run(deadline: Int64?, cancelFd: Int32, kill: (KillReason) -> Void) {
        let ep = cs_epoll_create()
        defer { FD.close(ep) }
        let pidfd = cs_pidfd_open(pid)
        defer { FD.close(pidfd) }
        _ = cs_epoll_add(ep, stdoutFd, CS_EPOLLIN, Self.tagOut)
        _ = cs_epoll_add(ep, stderrFd, CS_EPOLLIN, Self.tagErr)
        if pidfd >= 0 { _ = cs_epoll_add(ep, pidfd, CS_EPOLLIN, Self.tagPid) }
        if cancelFd >= 0 { _ = cs_epoll_add(ep, cancelFd, CS_EPOLLIN, Self.tagCancel) }
        if stdinFd >= 0 {
            if stdinBytes.isEmpty {
                FD.close(stdinFd); stdinFd = -1
            } else {
                _ = cs_epoll_add(ep, stdinFd, CS_EPOLLOUT, Self.tagIn)
            }
        }
        var killed = false
        var exitedAt: Int64? = nil
        var events = [UInt32](repeating: 0, count: 8), datas = [UInt64](repeating: 0, count: 8)
        while stdoutFd >= 0 || stderrFd >= 0 || (exitedAt == nil && pidfd >= 0) {
            let now = MonotonicClock.nowMs()
            if let exitedAt, now - exitedAt > 250 { break }  // a straggler keeps a pipe open; give up on it
            if !killed, let deadline, now >= deadline { killed = true; kill(.timeout) }
            var wait: Int64 = exitedAt != nil ? 50 : (pidfd < 0 ? 20 : -1)
            if !killed, let deadline { wait = wait < 0 ? deadline - now : min(wait, deadline - now) }
            let n = cs_epoll_wait(ep, &events, &datas, 8, Int32(clamping: max(wait, wait < 0 ? -1 : 0)))
            if n <= 0 && pidfd < 0 && exitedAt == nil { exitedAt = pollExit() }
            for i in 0..<max(0, Int(n)) {
                switch datas[i] {
                case Self.tagOut: stdoutFd = drain(stdoutFd, .stdout)
                case Self.tagErr: stderrFd = drain(stderrFd, .stderr)
                case Self.tagIn: feedStdin()
                case Self.tagPid:
                    _ = cs_epoll_del(ep, pidfd)
                    exitedAt = MonotonicClock.nowMs()
                    _ = Glibc.kill(-pid, SIGKILL)  // stragglers of the group must not outlive the run
                case Self.tagCancel:
                    _ = cs_epoll_del(ep, cancelFd)
                    if !killed { killed = true; kill(.cancel) }
                default: break
                }
            }
        }
        FD.close(stdoutFd); FD.close(stderrFd); FD.close(stdinFd)
        stdoutFd = -1; stderrFd = -1; stdinFd = -1
        flush()
    }

    /// Without a pidfd (old kernels): a non-reaping check.
    private func pollExit() -> Int64? {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0
            && info._sifields._sigchld.si_pid == pid
            ? MonotonicClock.nowMs() : nil
    }

    /// Reads until the pipe would block; returns the fd, or -1 once it hit EOF (and was closed).
    private mutating func drain(_ fd: Int32, _ stream: StdStream) -> Int32 {
        guard fd >= 0 else { return -1 }
        while true {
            guard let chunk = FD.read(fd) else { return fd }
            if chunk.isEmpty { FD.close(fd); return -1 }
            let text = stream == .stdout ? stdout.append(chunk) : stderr.append(chunk)
            if !text.isEmpty { onOutput?(stream, text) }
        }
    }

    private mutating func flush() {
        let a = stdout.finish(), b = stderr.finish()
        if !a.isEmpty { onOutput?(.stdout, a) }
        if !b.isEmpty { onOutput?(.stderr, b) }
    }

    private mutating func feedStdin() {
        while stdinOffset < stdinBytes.count {
            let written = try? stdinBytes.withUnsafeBytes { p throws(SystemError) in
                try FD.writeSome(stdinFd, UnsafeRawBufferPointer(rebasing: p[stdinOffset...]))
            }
            guard let written else { break }  // EPIPE: the child stopped reading
            guard case .processed(let n) = written else { return }
            stdinOffset += n
        }
        FD.close(stdinFd); stdinFd = -1
    }
}
