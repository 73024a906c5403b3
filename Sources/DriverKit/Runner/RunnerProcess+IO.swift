import CSystem
import DriverProtocol
import Glibc
import Synchronization

extension RunnerProcess {
    private static let tagOut: UInt64 = 1, tagErr: UInt64 = 2, tagCtl: UInt64 = 3, tagPid: UInt64 = 4,
        tagWake: UInt64 = 5

    /// One runner generation: spawn, then an epoll loop over its output pipes, control socket, pidfd and a
    /// wake eventfd until it dies. Runs on its own thread, which is also the spawning thread, so the
    /// runner's die-with-parent signal fires only when the driver exits.
    func ioLoop(generation gen: Int) {
        var out: (read: Int32, write: Int32) = (-1, -1), err: (read: Int32, write: Int32) = (-1, -1)
        var ctl: [Int32] = [-1, -1]
        let wake = cs_eventfd()
        var pid: pid_t = 0
        do {
            out = try FD.pipe()
            err = try FD.pipe()
            try Syscall.shim("socketpair") { cs_socketpair(&ctl) }
            var c = session.config
            c.readOnlyBinds += launch.readOnlyBinds
            for (k, v) in launch.env { c.env[k] = v }
            // The runner lives for the session; per-job CPU limits are set by the runner on its children.
            let spec = Sandbox.processSpec(
                c, command: launch.command, cgroup: session.cgroup,
                rlimits: ResourceLimit.sandboxDefaults(cpuSeconds: 86_400), extraFds: 1)
            pid = try Spawner.spawn(spec, stdin: -1, stdout: out.write, stderr: err.write, extraFds: [ctl[1]])
        } catch {
            for fd in [out.read, out.write, err.read, err.write, ctl[0], ctl[1], wake] { FD.close(fd) }
            finishGeneration(gen, pid: 0, status: "could not start: \(error)")
            return
        }
        FD.close(out.write); FD.close(err.write); FD.close(ctl[1])
        _ = cs_set_nonblocking(ctl[0], 1)
        let alive = state.withLock { s -> Bool in
            guard s.generation == gen, !s.stopped else { return false }
            s.pid = pid; s.ctlFd = ctl[0]; s.wakeFd = wake; s.strayLogBudget = 8192
            return true
        }
        if !alive { _ = kill(pid, SIGKILL) }

        let ep = cs_epoll_create()
        let pidfd = cs_pidfd_open(pid)
        _ = cs_epoll_add(ep, out.read, CS_EPOLLIN, Self.tagOut)
        _ = cs_epoll_add(ep, err.read, CS_EPOLLIN, Self.tagErr)
        _ = cs_epoll_add(ep, ctl[0], CS_EPOLLIN, Self.tagCtl)
        _ = cs_epoll_add(ep, pidfd, CS_EPOLLIN, Self.tagPid)
        _ = cs_epoll_add(ep, wake, CS_EPOLLIN, Self.tagWake)
        let readyDeadline = MonotonicClock.nowMs() + Int64(launch.readyTimeoutMs)
        var framer = LineFramer(maxLineBytes: 1 << 20)
        var killed = false
        var idle = IdleCPUWatch(budgetMicros: idleBudgetMicros)
        var events = [UInt32](repeating: 0, count: 8), datas = [UInt64](repeating: 0, count: 8)
        loop: while true {
            let now = MonotonicClock.nowMs()
            let (ready, deadline, jobs) = state.withLock { ($0.ready, $0.job?.hardDeadline, $0.nextId) }
            let oneOffs = session.oneOffs.withLock { $0 }
            // The cgroup counter is read only while idle: a busy job's output wake-ups skip the file read.
            let running = !ready || deadline != nil || oneOffs.running > 0
            let usage = running || idle.budgetMicros == nil ? nil : session.cgroup?.cpuUsageMicros()
            if !killed, let why = idle.check(running: running, jobs: jobs &+ oneOffs.started << 32, usage: usage) {
                let notice =
                    "background work left running by earlier executions used \(why) of CPU while no execution ran; "
                    + (session.options.stateful ? "the runtime was restarted and its state was lost" : "it was stopped")
                // Still idle? Then retire the runner atomically, so no job is handed to it while it is killed.
                let stillIdle = state.withLock { s -> Bool in
                    guard s.ready, s.job == nil, s.nextId == jobs, session.oneOffs.withLock({ $0.running }) == 0 else {
                        return false
                    }
                    s.ready = false; s.retiring = true; s.idleNotice = notice
                    return true
                }
                if stillIdle {
                    killed = true
                    DriverLog.warning("\(launch.name) runner for session \(session.id): \(notice)")
                    killSandbox(pid)
                }
            }
            var limit: Int64? = deadline
            if !ready { limit = min(limit ?? readyDeadline, readyDeadline) }
            if let limit, now >= limit, !killed {
                killed = true
                state.withLock { s in if var j = s.job, !j.cancelled { j.timedOut = true; s.job = j } }
                if !ready {
                    DriverLog.warning("\(launch.name) runner not ready after \(launch.readyTimeoutMs) ms; killing it")
                }
                killSandbox(pid)
            }
            // The watchdog is not woken when a job starts (that wake-up would cost every job a context switch);
            // instead the loop never sleeps longer than 500 ms, which bounds how late the watchdog can fire.
            let waitMs: Int32 = killed ? 100 : Int32(clamping: min(500, max(0, (limit ?? Int64.max) - now)))
            let n = cs_epoll_wait(ep, &events, &datas, 8, waitMs)
            var died = false
            for i in 0..<max(0, Int(n)) {
                switch datas[i] {
                case Self.tagOut: _ = pump(out.read, .stdout)
                case Self.tagErr: _ = pump(err.read, .stderr)
                case Self.tagWake: _ = cs_eventfd_drain(wake)
                case Self.tagPid: died = true
                case Self.tagCtl:
                    let (lines, eof) = readControl(ctl[0], &framer)
                    for line in lines { handleControl(line, out: out.read, err: err.read) }
                    if eof { died = true }
                default: break
                }
            }
            if died { break loop }
        }
        // The runner is gone (or its control channel is): make sure nothing of it survives, collect the rest.
        killSandbox(pid)
        let drainUntil = MonotonicClock.nowMs() + 200
        var openPipes = 2
        while openPipes > 0 && MonotonicClock.nowMs() < drainUntil {
            openPipes = (pump(out.read, .stdout) ? 1 : 0) + (pump(err.read, .stderr) ? 1 : 0)
            if openPipes > 0 { usleep(2000) }
        }
        var exited: Int32 = 0, code: Int32 = 0, signaled: Int32 = 0, sig: Int32 = 0
        _ = cs_wait(pid, 0, &exited, &code, &signaled, &sig)
        let status =
            signaled != 0
            ? ExitReason.signal(Int(sig)) : (code > 128 ? ExitReason.signal(Int(code) - 128) : "exit code \(code)")
        for fd in [out.read, err.read, ctl[0], ep, pidfd] { FD.close(fd) }
        finishGeneration(gen, pid: pid, status: status, wake: wake)
    }

    /// CPU the sandbox may use while no job runs: background work of a plain session's finished programs
    /// gets a fraction of a second (a runner's own upkeep, such as python's spare processes, fits), a
    /// stateful session's the host's `idleCpuSeconds` (0: no limit).
    var idleBudgetMicros: Int? {
        if !session.options.stateful { return 500_000 }
        let s = session.options.idleCpuSeconds
        return s > 0 ? Int(s * 1_000_000) : nil
    }

    private func killSandbox(_ pid: pid_t) {
        _ = kill(pid, SIGKILL)
        session.cgroup?.killAll()
    }

    /// Reads what is available; returns false once the pipe hit EOF.
    @discardableResult
    private func pump(_ fd: Int32, _ stream: StdStream) -> Bool {
        while true {
            guard let chunk = FD.read(fd) else { return true }
            if chunk.isEmpty { return false }
            let (text, sink, logBudget) = state.withLock { s -> (String, EventSink?, Int) in
                guard var j = s.job else {
                    let budget = s.strayLogBudget
                    s.strayLogBudget = max(0, budget - chunk.count)
                    return ("", nil, budget)
                }
                let t = j.append(stream, chunk)
                s.job = j
                return (t, j.events, 0)
            }
            if let sink {
                sink.output(stream, text)
            } else if logBudget > 0 {
                // Output outside any job: runner diagnostics, or a stray process; logged up to a budget so
                // user code cannot flood the host log.
                DriverLog.info(
                    "\(launch.name) runner \(stream.rawValue): \(String(decoding: chunk.prefix(logBudget), as: UTF8.self))"
                )
                if chunk.count >= logBudget {
                    DriverLog.info("\(launch.name) runner: further output outside jobs is dropped")
                }
            }
        }
    }

    private func readControl(_ fd: Int32, _ framer: inout LineFramer) -> ([[UInt8]], Bool) {
        var lines: [[UInt8]] = []
        while true {
            guard let chunk = FD.read(fd) else { return (lines, false) }
            if chunk.isEmpty { return (lines, true) }
            for item in framer.feed(chunk) { if case .line(let l) = item { lines.append(l) } }
        }
    }

    private func handleControl(_ line: [UInt8], out: Int32, err: Int32) {
        guard let msg = try? JSONParser.parse(line), let op = msg["op"]?.string else {
            DriverLog.warning("\(launch.name) runner sent a bad control line")
            return
        }
        switch op {
        case "ready":
            releaseStartSlot()
            let waiters = state.withLock { s -> [CheckedContinuation<Result<Void, DriverError>, Never>] in
                s.ready = true
                s.failedStarts = 0
                defer { s.readyWaiters = [:] }
                return Array(s.readyWaiters.values)
            }
            for w in waiters { w.resume(returning: .success(())) }
        case "done":
            guard let id = msg["id"]?.int else { return }
            // Output written before "done" is already in the pipes: collect it before completing.
            pump(out, .stdout)
            pump(err, .stderr)
            let job = state.withLock { s -> ActiveJob? in
                guard let j = s.job, j.id == id else { return nil }
                s.job = nil
                return j
            }
            if msg["restart"]?.bool == true || (!launch.jobsInFreshProcesses && leftTooManyFds()) {
                // The runner cannot start the next job clean; replace it now rather than on the next job.
                let pid = state.withLock { s -> pid_t in
                    s.ready = false; s.retiring = true; return s.pid
                }
                if pid > 0 { killSandbox(pid) }
            }
            guard var job else { return }
            if msg["timedOut"]?.bool == true { job.timedOut = true }
            if msg["cancelled"]?.bool == true { job.cancelled = true }
            complete(job, exitCode: msg["exitCode"]?.int, signal: msg["signal"]?.int, reason: msg["reason"]?.string)
        case "log":
            DriverLog.info("\(launch.name) runner: \(msg["message"]?.string ?? "")")
        default:
            break
        }
    }

    private func complete(_ finished: ActiveJob, exitCode: Int?, signal: Int?, reason: String?) {
        var job = finished
        var why = reason
        if let cg = session.cgroup, exitCode == nil || exitCode! > 128, oomKilled(cg) {
            why = cg.oomReason()
        } else if why != nil {
            // The runner's own words (e.g. "interpreter state was reset") win.
        } else if job.timedOut {
            why = ExitReason.timedOut(job.timeoutMs)
        } else if job.cancelled {
            why = "cancelled"
        } else if let signal {
            why = ExitReason.signal(signal)
        }
        let tails = (job.stdout.finish(), job.stderr.finish())
        if !tails.0.isEmpty { job.events.output(.stdout, tails.0) }
        if !tails.1.isEmpty { job.events.output(.stderr, tails.1) }
        job.finish(
            job.result(
                exitCode: job.timedOut || job.cancelled ? nil : exitCode,
                signal: signal, reason: why))
    }

    /// Whether a process in the sandbox holds over half its RLIMIT_NOFILE after a job: runners that run jobs
    /// in their own process (deno, bun, node) keep what a job leaked, and the next job would fail with EMFILE.
    /// A sweep of the cgroup and every process's fd directory: skipped when each job has a process of its own
    /// (`RunnerLaunch.jobsInFreshProcesses`).
    private func leftTooManyFds() -> Bool {
        guard let cg = session.cgroup else { return false }
        return cg.pids().contains { FD.openCount(pid: $0) > Self.leakedFdLimit }
    }

    static let leakedFdLimit = 512

    /// Whether the cgroup's OOM-kill count rose since the last check (read only for killed jobs: it is a file read).
    private func oomKilled(_ cg: SessionCgroup) -> Bool {
        let now = cg.oomKillCount()
        return state.withLock { s in
            defer { s.oomSeen = now }; return now > s.oomSeen
        }
    }

    /// Bookkeeping after a runner generation ended: fail its job and waiters, then restart eagerly unless
    /// the session is closing or the runtime keeps failing to start.
    func finishGeneration(_ gen: Int, pid: pid_t, status: String, wake: Int32 = -1) {
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        defer { for w in stopWaiters { w.resume() } }
        var unused = false  // a ready runner of a session that has run nothing died (a pooled sandbox's, say)
        let (job, waiters, restart, wasReady) = state.withLock {
            s -> (ActiveJob?, [CheckedContinuation<Result<Void, DriverError>, Never>], Bool, Bool) in
            guard s.generation == gen else { return (nil, [], false, false) }
            unused = (s.ready || s.retiring) && s.nextId == 1 && !s.stopped
            stopWaiters = s.stopWaiters
            s.stopWaiters = []
            let wasReady = s.ready || s.retiring
            s.retiring = false
            let j = s.job
            s.job = nil
            s.pid = 0; s.ctlFd = -1; s.ready = false
            s.wakeFd = -1
            s.lastExit = status
            if !wasReady { s.failedStarts += 1 }
            let w = wasReady ? [] : Array(s.readyWaiters.values)
            if !wasReady { s.readyWaiters = [:] }
            return (j, w, !s.stopped && s.failedStarts < 3, wasReady)
        }
        FD.close(wake)  // no longer reachable through the state
        releaseStartSlot()
        if unused {
            DriverNotifier.send(
                DriverWire.Event.sessionLost,
                [
                    "session": .string(session.id),
                    "reason": .string("its runner died before running anything (\(status))"),
                ])
        }
        if let job {
            let base =
                state.withLock { $0.stopped }
                ? "the session was closed during this execution"
                : "the \(launch.name) runner died (\(status)) during this execution; it was restarted"
            complete(job, exitCode: nil, signal: nil, reason: job.timedOut || job.cancelled ? nil : base)
        }
        let err = DriverError.unavailable("the \(launch.name) runner failed to start (\(status)); see the driver log")
        for w in waiters { w.resume(returning: .failure(err)) }
        if !wasReady && stopWaiters.isEmpty && !state.withLock({ $0.stopped }) {
            DriverLog.warning("\(launch.name) runner for session \(session.id) ended before ready: \(status)")
        }
        if restart { prewarm() }
    }
}
