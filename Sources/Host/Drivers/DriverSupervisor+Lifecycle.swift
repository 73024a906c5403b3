import DriverProtocol
import Glibc

extension DriverSupervisor {
    enum HandshakeOutcome {
        case ready
        case unavailable(reason: String, hint: String?)
        /// Restarting cannot help (version mismatch, malformed capabilities).
        case fatal(String)
        /// Kill this process and let the restart policy decide.
        case retry(String)
    }

    /// The supervision loop: one iteration per driver process.
    func run() async {
        while true {
            let next = state.withLock { s -> (Int, ExitLatch)? in
                guard !s.shuttingDown else { return nil }
                s.generation += 1
                s.killReason = nil; s.exitDecision = nil; s.handshakeDone = false; s.readySince = nil
                let latch = ExitLatch()
                s.latch = latch
                return (s.generation, latch)
            }
            guard let (generation, latch) = next else { return }
            let process: DriverProcess
            do {
                process = try DriverProcess(
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
            if state.withLock({ s in s.process = process; return s.killReason != nil }) { process.signal(SIGKILL) }
            let recheck: Bool = state.withLock { s in if case .unavailable = s.phase { return true }; return false }
            logger.log(recheck ? .debug : .info, "started", ["pid": String(process.pid), "path": path, "generation": String(generation)])

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
                state.withLock { s in s.phase = .failed(reason: reason); s.lastError = reason }
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
        let params: JSONValue = ["protocolVersions": .array(DriverWire.supportedVersions.map { .int($0) }),
                                 "host": ["name": "codebeaker", "version": "0.1.0"]]
        let hostVersions = "[" + DriverWire.supportedVersions.map(String.init).joined(separator: ",") + "]"
        switch await request(DriverWire.Method.handshake, params, generation: generation,
                             timeout: config.handshakeTimeout, cancellable: false, onEvent: nil) {
        case .failure(let e):
            if e.kind == .remote(code: DriverWire.ErrorCode.versionMismatch) {
                return .fatal("protocol version mismatch: host speaks \(hostVersions); driver said: \(e.message)")
            }
            if case .remote(let code) = e.kind { return .retry("handshake failed with error \(code): \(e.message)") }
            return .retry(e.message)
        case .success(let reply):
            guard let version = reply["protocolVersion"]?.int, DriverWire.supportedVersions.contains(version) else {
                return .fatal("protocol version mismatch: host speaks \(hostVersions), driver chose \(reply["protocolVersion"].map { "\($0)" } ?? "nothing")")
            }
            guard let capsJSON = reply["capabilities"], let caps = DriverCapabilities(json: capsJSON) else {
                return .fatal("invalid handshake reply: capabilities missing or malformed (need languages and runtimeType)")
            }
            state.withLock { s in
                s.capabilities = caps
                s.protocolVersion = version
                s.driverName = reply["driver"]?["name"]?.string
                s.driverVersion = reply["driver"]?["version"]?.string
                s.handshakeDone = true
                if caps.available { s.phase = .ready; s.readySince = DriverClock.now() }
            }
            if !caps.available {
                return .unavailable(reason: caps.unavailableReason ?? "runtime unavailable", hint: caps.installHint)
            }
            logger.info("ready", ["languages": caps.languages.map(\.name).joined(separator: ","), "protocol": String(version)])
            return .ready
        }
    }

    /// Pings the ready driver until its process exits; kills it after `maxMissedPings` misses.
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
        var misses = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(config.pingInterval))
            if Task.isCancelled { return }
            switch await request(DriverWire.Method.ping, [:], generation: generation, timeout: config.pingInterval,
                                 cancellable: false, onEvent: nil) {
            case .success:
                misses = 0
            case .failure(let e) where e.kind == .timedOut:
                misses += 1
                logger.warning("missed ping \(misses) of \(config.maxMissedPings)")
                if misses >= config.maxMissedPings {
                    let process = state.withLock { s -> DriverProcess? in
                        guard s.generation == generation else { return nil }
                        s.killReason = "stopped answering (missed \(misses) pings)"
                        return s.process
                    }
                    process?.signal(SIGKILL)
                    return
                }
            case .failure:
                return
            }
        }
    }

    /// Runs on the process's I/O thread after it was reaped: fail in-flight calls at once, decide on a restart.
    func processExited(_ exit: DriverExit, generation: Int, latch: ExitLatch) {
        let (pending, decision, reason, stopping) = state.withLock { s -> ([Pending], RestartTracker.Decision?, String, Bool) in
            let reason = s.killReason ?? "\(exit)"
            guard s.generation == generation else { return ([], nil, reason, true) }
            let now = DriverClock.now()
            let stopping = s.shuttingDown || s.phase.isTerminal
            var decision: RestartTracker.Decision?
            if !stopping {
                let d = s.tracker.exited(now: now, upFor: s.readySince.map { now - $0 } ?? 0, reason: reason)
                s.phase = Self.phase(after: d)
                decision = d
                s.lastError = reason
            }
            s.exitDecision = decision
            s.readySince = nil
            let pending = Array(s.pending.values)
            s.pending.removeAll()
            return (pending, decision, reason, stopping)
        }
        latch.fire(exit)
        let message: String
        let kind: DriverCallError.Kind
        switch decision {
        case .restart(let delay)?:
            logger.error("\(reason); restarting in \(RestartTracker.format((delay * 1000).rounded() / 1000)) s")
            message = "\(name) driver crashed during execution; restarted"
            kind = .crashed
        case .giveUp(let why)?:
            logger.error("failed: \(why)")
            message = "\(name) driver crashed during execution and was not restarted: \(why)"
            kind = .crashed
        case nil:
            if !stopping { return }
            logger.info("stopped: \(reason)")
            message = "\(name) driver stopped"
            kind = .unavailable
        }
        for p in pending {
            p.timer?.cancel()
            p.continuation.resume(returning: .failure(DriverCallError(kind, message)))
        }
    }

    /// Graceful stop: `shutdown` request, stdin EOF, SIGTERM after the grace, SIGKILL after another, reaped.
    func stop(_ process: DriverProcess, latch: ExitLatch) async {
        let id = state.withLock { s -> Int in defer { s.nextId += 1 }; return s.nextId }
        process.send(DriverMessage.request(id: id, method: DriverWire.Method.shutdown, params: [:]).line)
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
