import CSystem
public import DriverProtocol
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
    /// Bounds how many runners of this driver start at once (see `StartGate`).
    let startGate: StartGate
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
        /// The current generation waits in the start gate (its ticket, once known).
        var queued = false
        var startTicket: UInt64?
        /// The current generation holds a start slot (from admission until ready or dead).
        var holdsSlot = false
        /// `start()` callers waiting for admission.
        var admissionWaiters: [CheckedContinuation<Result<Void, DriverError>, Never>] = []
    }

    public init(launch: RunnerLaunch, session: SandboxSession, startGate: StartGate = .shared) {
        self.launch = launch; self.session = session; self.startGate = startGate
        let oom = session.cgroup?.oomKillCount() ?? 0
        state.withLock { $0.oomSeen = oom }
    }

    /// Starts the runner now (e.g. at session open) so the first execution finds it warm. The start waits its
    /// turn in the start gate; the ready timeout runs only once it has begun.
    public func prewarm() {
        let start = state.withLock { s -> Int? in
            guard !s.stopped, s.pid == 0 else { return nil }
            s.generation += 1
            s.pid = -1  // starting (queued until admitted)
            s.queued = true
            return s.generation
        }
        guard let gen = start else { return }
        // A restart (the session's runner died or was killed for a timeout/cancel) goes ahead of new sessions.
        let ticket = startGate.enter(
            urgent: gen > 1, begin: { self.admitted(gen) }, expired: { self.startExpired(gen, $0) })
        state.withLock { s in if s.generation == gen && s.queued { s.startTicket = ticket } }
    }

    /// `prewarm()`, then waits until the start has been admitted by the gate (not until ready): session.open
    /// uses it so that overload makes opening wait its turn rather than the first execution time out.
    public func start() async throws(DriverError) {
        prewarm()
        let r: Result<Void, DriverError> = await withCheckedContinuation { c in
            let now = state.withLock { s -> Result<Void, DriverError>? in
                if s.stopped { return .failure(.sessionNotFound(session.id)) }
                guard s.queued else { return .success(()) }
                s.admissionWaiters.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
        try r.get()
    }

    /// `start()` for session.open: if the start cannot be admitted (queue deadline), `forget` drops the session
    /// from the driver's store, the sandbox is closed and the error goes to the client. `waitReady` (the
    /// option of the same name) waits until the runner is ready, so a runtime that cannot start fails the open.
    public func startForOpen(waitReady ready: Bool = false, forget: () -> Void) async throws(DriverError) {
        do {
            try await start()
            if ready { try await waitReady(deadlineMs: MonotonicClock.nowMs() + Int64(launch.readyTimeoutMs)) }
        } catch {
            forget()
            await stopAndWait()
            session.close()
            throw error
        }
    }

    /// The gate admitted generation `gen`: spawn it on its own thread (unless the session closed meanwhile).
    private func admitted(_ gen: Int) {
        let (go, waiters) = state.withLock { s -> (Bool, [CheckedContinuation<Result<Void, DriverError>, Never>]) in
            guard s.generation == gen, s.queued else { return (false, []) }
            s.queued = false; s.startTicket = nil; s.holdsSlot = true
            defer { s.admissionWaiters = [] }
            return (!s.stopped, s.admissionWaiters)
        }
        for w in waiters { w.resume(returning: go ? .success(()) : .failure(.sessionNotFound(session.id))) }
        if go {
            OSThread.start { self.ioLoop(generation: gen) }
        } else {
            releaseStartSlot()
            finishGeneration(gen, pid: 0, status: "the session was closed before its runner started")
        }
    }

    /// A queued start waited past the gate's deadline: fail whoever waits for it; the next job queues again.
    private func startExpired(_ gen: Int, _ why: String) {
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        let waiters = state.withLock { s -> [CheckedContinuation<Result<Void, DriverError>, Never>] in
            guard s.generation == gen, s.queued else { return [] }
            s.queued = false; s.startTicket = nil; s.pid = 0
            stopWaiters = s.stopWaiters; s.stopWaiters = []
            defer { s.readyWaiters = [:]; s.admissionWaiters = [] }
            return Array(s.readyWaiters.values) + s.admissionWaiters
        }
        DriverLog.warning("\(launch.name) runner for session \(session.id) not started: \(why)")
        let err = DriverError.unavailable("the \(launch.name) runner could not start: \(why)")
        for w in waiters { w.resume(returning: .failure(err)) }
        for w in stopWaiters { w.resume() }
    }

    /// Gives the start slot back (once per generation): at ready, or when a generation ends before it.
    func releaseStartSlot() {
        if state.withLock({ s in
            defer { s.holdsSlot = false }; return s.holdsSlot
        }) {
            startGate.finished()
        }
    }

    /// Waits until the runner is ready (starting it if needed). Cancelling the Task ends the wait; so does
    /// `deadlineMs` (monotonic), with a clear error, so a job queued behind many starts gets an answer in time.
    public func waitReady(deadlineMs: Int64? = nil) async throws(DriverError) {
        if state.withLock({ $0.ready && !$0.stopped }) { return }  // the common case, without a suspension
        prewarm()
        let token = state.withLock { s in
            s.nextWaiter += 1; return s.nextWaiter
        }
        let timer = deadlineMs.map { deadline in
            Task { [self] in
                try? await Task.sleep(for: .milliseconds(max(0, deadline - MonotonicClock.nowMs())))
                if Task.isCancelled { return }
                let (queued, load) = (state.withLock { $0.queued }, startGate.load)
                let why =
                    queued
                    ? "it is queued behind \(load.queued) other sandbox start\(load.queued == 1 ? "" : "s") (the machine is overloaded)"
                    : "it is still starting"
                dropWaiter(
                    token,
                    .unavailable("the \(launch.name) runner was not ready in time for this job: \(why); try again"))
            }
        }
        defer { timer?.cancel() }
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

    private func dropWaiter(_ token: UInt64, _ error: DriverError = .cancelled()) {
        let c = state.withLock { $0.readyWaiters.removeValue(forKey: token) }
        c?.resume(returning: .failure(error))
    }

    /// Runs one job. Cancelling the Task asks the runner to kill the job (and kills the runner if it does
    /// not comply within a second).
    public func run(_ job: RunnerJob, events: EventSink) async throws(DriverError) -> RunResult {
        // The job's own time bounds how long it waits for a runner (queued starts, restarts after a kill).
        let readyDeadline = MonotonicClock.nowMs() + Int64(max(1000, job.timeoutMs))
        guard await gate.acquire() else { return RunResult(cancelled: true, reason: "cancelled") }
        defer { gate.release() }
        // A runner killed from inside its sandbox (a shell job's `kill -9 -1`) may be dead before the IO loop
        // has noticed; such a runner is skipped and the job waits for the next one instead of failing.
        for _ in 0..<2 {
            if Task.isCancelled { return RunResult(cancelled: true, reason: "cancelled") }
            do {
                try await waitReady(deadlineMs: readyDeadline)
            } catch {
                if Task.isCancelled { return RunResult(cancelled: true, reason: "cancelled") }
                throw error
            }
            if Task.isCancelled { return RunResult(cancelled: true, reason: "cancelled") }
            // The idle watchdog stopped this session's background work since the last execution: say so first.
            let notice = state.withLock { s in
                defer { s.idleNotice = nil }; return s.idleNotice
            }.map { "codebeaker: \($0)\n" }
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
        let id = state.withLock { s in
            defer { s.nextId += 1 }; return s.nextId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<RunResult?, Never>) in
                let target = state.withLock { s -> Int32? in
                    guard s.ready, s.pid > 0 else { return nil }
                    // the IO loop restarts it
                    if Self.peerGone(s.ctlFd) { s.ready = false; s.retiring = true; return nil }
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
        let rdhup: Int16 = 0x2000  // POLLRDHUP
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
        let (pid, waiters, ticket, gen) = state.withLock {
            s -> (pid_t, [CheckedContinuation<Result<Void, DriverError>, Never>], UInt64?, Int) in
            s.stopped = true
            let w = Array(s.readyWaiters.values) + s.admissionWaiters
            s.readyWaiters = [:]
            s.admissionWaiters = []
            return (s.pid, w, s.queued ? s.startTicket : nil, s.generation)
        }
        for w in waiters { w.resume(returning: .failure(.sessionNotFound(session.id))) }
        // A start still queued is withdrawn (one already admitted ends through `admitted`/the IO loop).
        if let ticket, startGate.cancel(ticket) {
            state.withLock { s in if s.generation == gen { s.queued = false; s.startTicket = nil } }
            finishGeneration(gen, pid: 0, status: "the session was closed before its runner started")
        }
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
        return bytes.withUnsafeBytes { p in (try? FD.sendFully(fd, p)) != nil }
    }
}
