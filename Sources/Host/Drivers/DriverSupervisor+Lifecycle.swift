import DriverProtocol
import Glibc
import LinuxSystem
import Synchronization

extension DriverSupervisor {
    enum HandshakeOutcome {
        case ready
        case unavailable(reason: String, hint: String?)
        /// Restarting cannot help (version mismatch, malformed capabilities).
        case fatal(String)
        /// Kill this process and let the restart policy decide.
        case retry(String)
    }

    /// Supervises processes until the driver fails, then waits for a revive (SIGHUP) or the cool-down and
    /// starts over with a fresh restart budget. Ends at shutdown.
    func run() async {
        while true {
            await runUntilFailed()
            guard await waitForRevive() else { return }
        }
    }

    /// Sleeps while failed; true when revived (by `revive` or the cool-down), false at shutdown.
    func waitForRevive() async -> Bool {
        let coolDown = config.reviveFailedAfter
        let stop = state.withLock { s -> Bool in
            guard !s.shuttingDown, case .failed = s.phase else { return true }
            s.reviveAt = coolDown.map { DriverClock.now() + $0 }
            return false
        }
        if stop { return false }
        let byOperator = await reviveSignal.wait(timeout: coolDown)
        return state.withLock { s -> Bool in
            s.reviveAt = nil
            guard !s.shuttingDown, !Task.isCancelled else { return false }
            s.tracker.revive()
            s.phase = .starting
            logger.warning(
                byOperator ? "revived" : "revived after the \(RestartTracker.format(coolDown ?? 0)) s cool-down",
                ["lastError": s.lastError ?? ""])
            return true
        }
    }

    /// Gives a failed driver a fresh restart budget and starts it again. False if it was not failed (or the
    /// host is shutting down).
    @discardableResult
    public func revive() -> Bool {
        let failed = state.withLock { s -> Bool in
            guard !s.shuttingDown, s.started, case .failed = s.phase else { return false }
            return true
        }
        if failed { reviveSignal.fire() }
        return failed
    }

    /// The supervision loop: one iteration per driver process, until the driver fails or the host stops.
    func runUntilFailed() async {
        while true {
            let next = state.withLock { s -> (Int, ExitLatch)? in
                guard !s.shuttingDown else { return nil }
                s.generation += 1
                s.killReason = nil; s.killCause = .crashed; s.lastAnswer = nil
                s.exitDecision = nil; s.handshakeDone = false; s.readySince = nil
                let latch = ExitLatch()
                s.latch = latch
                return (s.generation, latch)
            }
            guard let (generation, latch) = next else { return }
            let process: DriverProcess
            do {
                process = try await DriverProcess(
                    path: path, name: name, arguments: config.arguments, environment: config.environment,
                    maxLineBytes: config.maxLineBytes, logger: logger,
                    onLine: { [weak self] item in self?.handleLine(item, generation: generation) },
                    onExit: { [weak self] exit in self?.processExited(exit, generation: generation, latch: latch) })
            } catch {
                let decision = state.withLock { s -> RestartTracker.Decision in
                    let reason = "could not start \(path): \(error)"
                    s.lastError = reason
                    let d = s.tracker.exited(now: DriverClock.now(), upFor: 0, reason: reason)
                    s.phase = Self.phase(after: d)
                    return d
                }
                latch.fire(DriverExit())
                logger.error("could not start \(path): \(error)")
                guard case .restart(let delay) = decision else { return }
                try? await Task.sleep(for: .seconds(delay))
                continue
            }
            // A garbage line can arrive before `process` is stored; handleLine then only recorded the reason.
            if state.withLock({ s in
                s.process = process; return s.killReason != nil
            }) {
                process.signal(SIGKILL)
            }
            let recheck: Bool = state.withLock { s in
                if case .unavailable = s.phase { return true }; return false
            }
            logger.log(
                recheck ? .debug : .info, "started",
                ["pid": String(process.pid), "path": path, "generation": String(generation)])

            switch await handshake(generation: generation) {
            case .ready:
                if generation > 1 {
                    // In its own task: re-opening sessions must not delay the pings of the new process.
                    let handlers = state.withLock { $0.restartHandlers }
                    Task { for h in handlers { await h() } }
                }
                await superviseUntilExit(generation: generation, latch: latch)
            case .unavailable(let reason, let hint):
                let first = state.withLock { s -> Bool in
                    defer { s.phase = .unavailable(reason: reason, installHint: hint) }
                    if case .unavailable = s.phase { return false }
                    return true
                }
                if first { logger.warning("runtime unavailable: \(reason)" + (hint.map { "; \($0)" } ?? "")) }
                await stop(process, latch: latch)
                // Ask again now and then, so a runtime installed later is picked up without restarting the host.
                guard let recheck = config.recheckUnavailableAfter else { return }
                try? await Task.sleep(for: .seconds(recheck))
                continue
            case .fatal(let reason):
                state.withLock { s in
                    s.phase = .failed(reason: reason); s.lastError = reason
                }
                logger.error("failed: \(reason)")
                process.signal(SIGKILL)
                _ = await latch.wait()
                return
            case .retry(let reason):
                state.withLock { s in if s.killReason == nil { s.killReason = reason } }
                process.signal(SIGKILL)
                _ = await latch.wait()
            }
            guard case .restart(let delay) = state.withLock({ $0.exitDecision }) else { return }
            try? await Task.sleep(for: .seconds(delay))
        }
    }

    static func phase(after decision: RestartTracker.Decision) -> DriverState {
        switch decision {
        case .restart: return .restarting
        case .giveUp(let reason): return .failed(reason: reason)
        }
    }

    func handshake(generation: Int) async -> HandshakeOutcome {
        let params = HandshakeParams(
            protocolVersions: DriverWire.supportedVersions, host: PeerInfo(name: "codebeaker", version: "0.1.0"))
        let hostVersions = "[" + DriverWire.supportedVersions.map(String.init).joined(separator: ",") + "]"
        switch await request(
            HandshakeParams.method, params.json, generation: generation,
            timeout: config.handshakeTimeout, cancellable: false, onEvent: nil)
        {
        case .failure(let e):
            if e.kind == .remote(code: DriverWire.ErrorCode.versionMismatch) {
                return .fatal("protocol version mismatch: host speaks \(hostVersions); driver said: \(e.message)")
            }
            if case .remote(let code) = e.kind { return .retry("handshake failed with error \(code): \(e.message)") }
            return .retry(e.message)
        case .success(let json):
            let reply: HandshakeReply
            do throws(WireError) { reply = try HandshakeReply(json: json) } catch {
                return .fatal("invalid handshake reply: \(error.message)")
            }
            guard let version = reply.protocolVersion, DriverWire.supportedVersions.contains(version) else {
                return .fatal(
                    "protocol version mismatch: host speaks \(hostVersions), driver chose \(reply.protocolVersionText)")
            }
            guard let caps = reply.capabilities else {
                return .fatal(
                    "invalid handshake reply: capabilities missing or malformed (need languages and runtimeType)")
            }
            state.withLock { s in
                s.capabilities = caps
                s.protocolVersion = version
                s.driverName = reply.driver?.name
                s.driverVersion = reply.driver?.version
                s.handshakeDone = true
                if caps.available { s.phase = .ready; s.readySince = DriverClock.now() }
            }
            if !caps.available {
                return .unavailable(reason: caps.unavailableReason ?? "runtime unavailable", hint: caps.installHint)
            }
            logger.info(
                "ready", ["languages": caps.languages.map(\.name).joined(separator: ","), "protocol": String(version)])
            return .ready
        }
    }

    /// Pings the ready driver until its process exits: a miss makes it `unresponsive` (calls fail fast), an answer
    /// makes it ready again, `maxMissedPings` misses in a row get it killed as a stall.
    func superviseUntilExit(generation: Int, latch: ExitLatch) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = await latch.wait() }
            group.addTask { await self.pingLoop(generation: generation) }
            await group.next()
            group.cancelAll()
        }
        // The ping loop may have ended first (it killed the driver): the exit is what ends supervision.
        _ = await latch.wait()
    }

    func pingLoop(generation: Int) async {
        let since = state.withLock { $0.readySince } ?? DriverClock.now()
        var monitor = LivenessMonitor(
            pingTimeout: config.pingTimeout, maxMisses: config.maxMissedPings, readySince: since)
        while !Task.isCancelled {
            // After a miss the next ping goes out at once: a stall is detected in interval + misses x timeout.
            if monitor.misses == 0 { try? await Task.sleep(for: .seconds(config.pingInterval)) }
            if Task.isCancelled { return }
            let action: LivenessMonitor.Action
            switch await request(
                PingParams.method, PingParams().json, generation: generation, timeout: config.pingTimeout,
                cancellable: false, onEvent: nil)
            {
            case .success:
                action = monitor.answered(now: DriverClock.now())
                state.withLock { s in if s.generation == generation { s.lastAnswer = monitor.lastAnswer } }
            case .failure(let e) where e.kind == .timedOut:
                action = monitor.missed()
                logger.warning("missed ping \(monitor.misses) of \(config.maxMissedPings)")
            case .failure:
                return
            }
            switch action {
            case .none:
                break
            case .unresponsive(let reason):
                let changed = state.withLock { s -> Bool in
                    guard s.generation == generation, s.phase == .ready else { return false }
                    s.phase = .unresponsive(reason: reason)
                    return true
                }
                if changed { logger.error("unresponsive: \(reason); calls fail until it answers or is restarted") }
            case .recovered:
                let changed = state.withLock { s -> Bool in
                    guard s.generation == generation, case .unresponsive = s.phase else { return false }
                    s.phase = .ready
                    return true
                }
                if changed { logger.warning("answering pings again") }
            case .kill(let reason):
                let process = state.withLock { s -> DriverProcess? in
                    guard s.generation == generation else { return nil }
                    s.killReason = reason
                    s.killCause = .stalled
                    return s.process
                }
                process?.signal(SIGKILL)
                return
            }
        }
    }

    /// Runs on the process's I/O thread after it was reaped: fail in-flight calls at once with the true reason
    /// (crashed: how it exited; unresponsive: no ping reply), decide on a restart.
    func processExited(_ exit: DriverExit, generation: Int, latch: ExitLatch) {
        let (pending, decision, reason, cause, stopping) = state.withLock {
            s -> ([Pending], RestartTracker.Decision?, String, RestartTracker.Cause, Bool) in
            let reason = s.killReason ?? "\(exit)"
            guard s.generation == generation else { return ([], nil, reason, .crashed, true) }
            let now = DriverClock.now()
            let stopping = s.shuttingDown || s.phase.isTerminal
            var decision: RestartTracker.Decision?
            if !stopping {
                // A stalled driver was healthy only until its last answered ping.
                let healthyUntil = s.killCause == .stalled ? (s.lastAnswer ?? s.readySince) : now
                let upFor = s.readySince.map { max(0, (healthyUntil ?? $0) - $0) } ?? 0
                let label = s.killCause == .stalled ? "unresponsive: \(reason); killed" : reason
                let d = s.tracker.exited(now: now, upFor: upFor, reason: label, cause: s.killCause)
                s.phase = Self.phase(after: d)
                decision = d
                s.lastError = label
            }
            s.exitDecision = decision
            s.readySince = nil
            let pending = Array(s.pending.values)
            s.pending.removeAll()
            return (pending, decision, reason, s.killCause, stopping)
        }
        latch.fire(exit)
        let kind: DriverCallError.Kind
        let outcome: String
        switch decision {
        case .restart(let delay)?:
            logger.error(
                "\(cause == .stalled ? "unresponsive: \(reason); killed" : reason); restarting in \(RestartTracker.format((delay * 1000).rounded() / 1000)) s"
            )
            outcome = "restarted"
            kind = .crashed
        case .giveUp(let why)?:
            logger.error("failed: \(why)")
            // `why` is "<label>; gave up after ...": callers get the second part, the reason is in the message.
            let label = cause == .stalled ? "unresponsive: \(reason); killed" : reason
            outcome = "not restarted (\(why.hasPrefix(label + "; ") ? String(why.dropFirst(label.count + 2)) : why))"
            kind = .crashed
        case nil:
            if !stopping { return }
            logger.info("stopped: \(reason)")
            outcome = ""
            kind = .unavailable
        }
        for p in pending {
            p.timer?.cancel()
            let message: String
            if kind == .unavailable {
                message = "\(name) driver stopped"
            } else if cause == .stalled {
                message = "\(name) driver unresponsive during \(p.method): \(reason); killed and \(outcome)"
            } else {
                message = "\(name) driver crashed during \(p.method) (\(reason)); \(outcome)"
            }
            p.continuation.resume(returning: .failure(DriverCallError(kind, message)))
        }
    }

    /// Graceful stop: `shutdown` request, stdin EOF, SIGTERM after the grace, SIGKILL after another, reaped.
    func stop(_ process: DriverProcess, latch: ExitLatch) async {
        let id = state.withLock { s -> Int in
            defer { s.nextId += 1 }; return s.nextId
        }
        process.send(DriverMessage.request(id: id, method: ShutdownParams.method, params: ShutdownParams().json).line)
        process.closeStdin()
        if await latch.wait(seconds: config.shutdownGrace) != nil { return }
        logger.warning("did not exit after stdin EOF; sending SIGTERM")
        process.signal(SIGTERM)
        if await latch.wait(seconds: config.shutdownGrace) != nil { return }
        logger.warning("did not exit after SIGTERM; sending SIGKILL")
        process.signal(SIGKILL)
        _ = await latch.wait(seconds: 30)
    }

    /// Stops the driver for good: no more restarts, in-flight calls fail, the process is reaped.
    public func shutdown() async {
        let (process, latch, task) = state.withLock { s -> (DriverProcess?, ExitLatch?, Task<Void, Never>?) in
            s.shuttingDown = true
            if !s.phase.isTerminal { s.phase = .failed(reason: "shut down") }
            return (s.process, s.latch, s.runTask)
        }
        task?.cancel()
        if let process, let latch, latch.value == nil { await stop(process, latch: latch) }
        await task?.value
    }
}
