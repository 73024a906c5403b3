import CSystem
import DriverProtocol
import Glibc
import Synchronization

/// A long-lived runner process inside a session's sandbox (bwrap + cgroup), so an execution costs a message
/// and a fork instead of a sandbox and interpreter start. Protocol with the runner (fd 3, a unix socket):
/// the driver sends `{"op":"exec",...}` / `{"op":"cancel","id"}` lines, the runner answers `{"op":"ready"}`
/// once and `{"op":"done","id",exitCode,signal,timedOut,cancelled,reason}` per job. The runner's fd 1 and 2
/// are the current job's stdout/stderr. Jobs run one at a time. A runner that dies (timeout kill, OOM, user
/// `os._exit`/`kill -9 -1`) fails its job with a reason and is restarted for the next one.
public final class RunnerProcess: Sendable {
    public let launch: RunnerLaunch
    public let session: SandboxSession
    let gate = AsyncGate()
    let state = Mutex(State())

    struct State {
        var generation = 0
        /// The bwrap pid of the running runner; 0 when none.
        var pid: pid_t = 0
        var ctlFd: Int32 = -1
        var wakeFd: Int32 = -1
        var ready = false
        /// The runner announced it will exit after its last job ("restart":true); jobs wait for the next one.
        var retiring = false
        var readyWaiters: [UInt64: CheckedContinuation<Result<Void, DriverError>, Never>] = [:]
        var nextWaiter: UInt64 = 0
        /// Bytes of output outside any job still allowed into the driver log (per runner generation).
        var strayLogBudget = 8192
        var job: ActiveJob?
        var nextId = 1
        var stopped = false
        /// Consecutive runner deaths before becoming ready; stops eager restarts of a broken runtime.
        var failedStarts = 0
        var lastExit: String?
        /// The cgroup's OOM-kill count as of the last check; a rise during a job means the job was OOM-killed.
        var oomSeen = 0
        /// Set when the idle watchdog killed the runner; told to the session by its next execution.
        var idleNotice: String?
        /// `stop()` callers waiting for the last generation to be gone.
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public init(launch: RunnerLaunch, session: SandboxSession) {
        self.launch = launch; self.session = session
        let oom = session.cgroup?.oomKillCount() ?? 0
        state.withLock { $0.oomSeen = oom }
    }

    /// Starts the runner now (e.g. at session open) so the first execution finds it warm.
    public func prewarm() {
        let start = state.withLock { s -> Int? in
            guard !s.stopped, s.pid == 0 else { return nil }
            s.generation += 1
            s.pid = -1  // starting
            return s.generation
        }
        if let gen = start { OSThread.start { self.ioLoop(generation: gen) } }
    }

    /// Waits until the runner is ready (starting it if needed). Cancelling the Task ends the wait.
    public func waitReady() async throws(DriverError) {
        if state.withLock({ $0.ready && !$0.stopped }) { return }  // the common case, without a suspension
        prewarm()
        let token = state.withLock { s in s.nextWaiter += 1; return s.nextWaiter }
        let r: Result<Void, DriverError> = await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                let now = state.withLock { s -> Result<Void, DriverError>? in
                    if s.stopped { return .failure(.sessionNotFound(session.id)) }
                    if s.ready { return .success(()) }
                    s.readyWaiters[token] = c
                    return nil
                }
                if let now { c.resume(returning: now) }
                if Task.isCancelled { dropWaiter(token) }
            }
        } onCancel: {
            dropWaiter(token)
        }
        try r.get()
    }

    private func dropWaiter(_ token: UInt64) {
        let c = state.withLock { $0.readyWaiters.removeValue(forKey: token) }
        c?.resume(returning: .failure(.cancelled()))
    }

    /// Runs one job. Cancelling the Task asks the runner to kill the job (and kills the runner if it does
    /// not comply within a second).
    public func run(_ job: RunnerJob, events: EventSink) async throws(DriverError) -> RunResult {
        guard await gate.acquire() else { return RunResult(cancelled: true, reason: "cancelled") }
        defer { gate.release() }
        // A runner killed from inside its sandbox (a shell job's `kill -9 -1`) may be dead before the IO loop
        // has noticed; such a runner is skipped and the job waits for the next one instead of failing.
        for _ in 0..<2 {
            if Task.isCancelled { return RunResult(cancelled: true, reason: "cancelled") }
            do {
                try await waitReady()
            } catch {
                if Task.isCancelled { return RunResult(cancelled: true, reason: "cancelled") }
                throw error
            }
            if Task.isCancelled { return RunResult(cancelled: true, reason: "cancelled") }
            // The idle watchdog stopped this session's background work since the last execution: say so first.
            let notice = state.withLock { s in defer { s.idleNotice = nil }; return s.idleNotice }.map { "codebeaker: \($0)\n" }
            if let notice { events.output(.stderr, notice) }
            if var result = await dispatch(job, events: events) {
                if let notice { result.stderr = notice + result.stderr }
                return result
            }
        }
        return RunResult(reason: "the \(launch.name) runner is not running")
    }

    /// Sends the job to the current runner and waits for its result; nil if that runner is already gone.
    private func dispatch(_ job: RunnerJob, events: EventSink) async -> RunResult? {
        let id = state.withLock { s in defer { s.nextId += 1 }; return s.nextId }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<RunResult?, Never>) in
                let target = state.withLock { s -> Int32? in
                    guard s.ready, s.pid > 0 else { return nil }
                    if Self.peerGone(s.ctlFd) { s.ready = false; s.retiring = true; return nil } // the IO loop restarts it
                    s.job = ActiveJob(id: id, job: job, events: events) { c.resume(returning: $0) }
                    return dup(s.ctlFd)
                }
                guard let fd = target else {
                    c.resume(returning: nil)
                    return
                }
                if !Self.send(fd, job.frame(id: id)) {
                    DriverLog.warning("\(launch.name) runner: could not send job \(id); the runner is gone")
                }
                FD.close(fd)
                // A cancel that arrived before the job was installed found nothing to cancel: repeat it.
                if Task.isCancelled { cancel(id) }
            }
        } onCancel: {
            self.cancel(id)
        }
    }

    /// The runner's end of the control socket is closed: it has exited.
    static func peerGone(_ fd: Int32) -> Bool {
        let rdhup: Int16 = 0x2000 // POLLRDHUP
        var p = pollfd(fd: fd, events: rdhup, revents: 0)
        return poll(&p, 1, 0) == 1 && p.revents & (rdhup | Int16(POLLHUP) | Int16(POLLERR)) != 0
    }

    private func cancel(_ id: Int) {
        let fd = state.withLock { s -> Int32 in
            guard var j = s.job, j.id == id else { return -1 }
            j.cancelled = true
            j.hardDeadline = min(j.hardDeadline, MonotonicClock.nowMs() + 1000)
            s.job = j
            _ = cs_eventfd_signal(s.wakeFd)
            return dup(s.ctlFd)
        }
        guard fd >= 0 else { return }
        _ = Self.send(fd, Array("{\"op\":\"cancel\",\"id\":\(id)}\n".utf8))
        FD.close(fd)
    }

    /// Kills the runner and everything in the sandbox; no restarts afterwards. Idempotent. Does not wait
    /// for the process to be reaped: prefer `stopAndWait()` before removing the session's cgroup.
    public func stop() {
        let (pid, waiters) = state.withLock { s -> (pid_t, [CheckedContinuation<Result<Void, DriverError>, Never>]) in
            s.stopped = true
            let w = Array(s.readyWaiters.values)
            s.readyWaiters = [:]
            return (s.pid, w)
        }
        for w in waiters { w.resume(returning: .failure(.sessionNotFound(session.id))) }
        if pid > 0 { _ = kill(pid, SIGKILL) }
        session.cgroup?.killAll()
    }

    /// `stop()`, then returns once the runner's process is reaped (so the caller may remove the cgroup).
    public func stopAndWait() async {
        stop()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s -> Bool in
                if s.pid == 0 { return true }
                s.stopWaiters.append(c)
                return false
            }
            if done { c.resume() }
        }
    }

    /// Kills the runner (the next job gets a fresh one).
    public func restart() {
        let pid = state.withLock { $0.pid }
        if pid > 0 { _ = kill(pid, SIGKILL) }
        session.cgroup?.killAll()
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        guard fd >= 0 else { return false }
        return bytes.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = cs_send_nosignal(fd, p.baseAddress! + off, p.count - off)
                if n < 0 {
                    if errno == EAGAIN { FD.waitWritable(fd); continue }
                    return false
                }
                off += n
            }
            return true
        }
    }
}
