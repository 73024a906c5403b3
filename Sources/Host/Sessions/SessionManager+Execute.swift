import DriverProtocol

extension SessionManager {
    /// Runs one command in a session. Command failures are `success:false` outcomes; only an unknown
    /// session, bad params or a policy refusal throw.
    public func execute(
        sessionId: String, command: SessionCommand, caller: CallerContext, stream: Bool = false,
        onEvent: SessionEventSink? = nil
    ) async throws(RPCError) -> CommandOutcome {
        let start = now()
        guard let rec = owned(sessionId, caller.principal) else { throw notFound(sessionId, caller.principal) }
        try SessionCommand.checkLanguage(command, selection: rec.selection, capabilities: rec.driver.capabilities)
        // File commands hold a place in the file gate from before the policy's rate check until they finish,
        // so a principal cannot have more than its share of the file threads queued or running.
        let isFile = command.isFileCommand
        if isFile, let refusal = fileGate.enter(session: sessionId, principal: caller.principal) {
            throw policy.didThrottle(
                principal: caller.principal, session: sessionId, rule: refusal.rule, message: refusal.message,
                retryAfterMs: Self.fileRetryHintMs)
        }
        defer { if isFile { fileGate.leave(session: sessionId, principal: caller.principal) } }
        try policy.willRun(command, session: rec.snapshot(now: start), principal: caller.principal)
        let timeoutMs = try self.timeoutMs(for: command)
        guard sessions[sessionId]!.machine.commandStarted(now: start) else {
            if let why = rec.machine.expiry(now: start) {
                _ = try? await close(sessionId: sessionId, principal: nil, reason: "expired (\(why.rawValue))")
            }
            throw RPCError.sessionNotFound(sessionId)
        }
        defer { sessions[sessionId]?.machine.commandFinished(now: now()) }

        let outcome: CommandOutcome
        if isFile {
            let ws = rec.workspace
            guard let r = await config.filePool.run({ FileCommandRunner.run(command, in: ws) }) else {
                throw policy.didThrottle(
                    principal: caller.principal, session: sessionId, rule: "fileQueue",
                    message:
                        "the server's file workers are busy (\(config.filePool.capacity) file commands queued or running); retry shortly",
                    retryAfterMs: Self.fileRetryHintMs)
            }
            outcome = CommandOutcome(success: r.success, result: r.result, error: r.error, durationMs: ms(since: start))
        } else {
            outcome = await runOnDriver(
                sessionId: sessionId, command: command, caller: caller, timeoutMs: timeoutMs,
                stream: stream, onEvent: onEvent, start: start)
        }
        let snap = (sessions[sessionId] ?? rec).snapshot(now: now())
        policy.didRun(
            command, session: snap, principal: caller.principal, success: outcome.success,
            durationMs: outcome.durationMs, error: outcome.error)
        return outcome
    }

    /// A hint for refused file commands: the gate and the queue free up as commands finish, which for
    /// ordinary ones takes milliseconds.
    static let fileRetryHintMs = 100

    func ms(since start: Double) -> Int { max(0, Int(((now() - start) * 1000).rounded())) }

    /// Per-command timeout in ms; asking for more than the server maximum is a params error.
    func timeoutMs(for command: SessionCommand) throws(RPCError) -> Int {
        let seconds: Double
        switch command {
        case .shell(let s): seconds = s.timeout ?? config.defaultTimeoutSeconds
        case .executeCode(let c): seconds = c.timeout ?? config.defaultTimeoutSeconds
        case .installPackages: seconds = config.installTimeoutSeconds
        default: return 0
        }
        if seconds > config.maxTimeoutSeconds
            && !{
                if case .installPackages = command { return true }; return false
            }()
        {
            throw RPCError.invalidParams("command.timeout", "must be at most \(Int(config.maxTimeoutSeconds)) seconds")
        }
        return Int((seconds * 1000).rounded())
    }

    func runOnDriver(
        sessionId: String, command: SessionCommand, caller: CallerContext, timeoutMs: Int, stream: Bool,
        onEvent: SessionEventSink?, start: Double
    ) async -> CommandOutcome {
        let token = nextToken
        nextToken += 1
        let executionId = SessionIDs.make(prefix: config.route.idPrefix("x"))
        running[token] = RunningExecution(
            sessionId: sessionId, principal: caller.principal, connectionID: caller.connectionID,
            requestID: caller.requestID, executionId: executionId)
        defer { running[token] = nil }
        func fail(_ message: String, _ result: JSONValue = .null) -> CommandOutcome {
            .failure(message, durationMs: ms(since: start), result: result, executionId: executionId)
        }

        guard await acquireSlot(sessionId, token: token) else {
            return remember(
                fail(
                    running[token]?.cancelRequested == true && sessions[sessionId] != nil
                        ? "cancelled" : "Session closed",
                    ["cancelled": true]), principal: caller.principal, sessionId: sessionId)
        }
        defer { releaseSlot(sessionId) }

        var retried = false
        var forceReopen = false
        while true {
            if sessions[sessionId]?.needsReopen == true, let problem = await reopen(sessionId, force: forceReopen) {
                return remember(
                    fail(
                        "Cannot re-open the session on the \(sessions[sessionId]?.driver.name ?? "") driver: \(problem)"
                    ),
                    principal: caller.principal, sessionId: sessionId)
            }
            guard let rec = sessions[sessionId] else { return fail("Session closed") }
            let request: DriverRunRequest
            switch driverRequest(command, rec: rec, timeoutMs: timeoutMs, stream: stream) {
            case .success(let r): request = r
            case .failure(let message):
                return remember(fail(message), principal: caller.principal, sessionId: sessionId)
            }
            let driver = rec.driver
            let sink = stream ? onEvent : nil
            // The driver enforces timeoutMs; the race is the backstop if it has not answered well after that.
            let race = DriverCallRace<Result<RunReply, DriverCallError>>()
            running[token]?.race = race
            if running[token]?.cancelRequested == true { race.cancel() }
            let grace = timeoutMs + Int(config.timeoutGraceSeconds * 1000)
            let outcome = await race.run(
                deadline: { try await Task.sleep(for: .milliseconds(grace)) },
                call: {
                    do throws(DriverCallError) {
                        return .success(try await request.send(to: driver, onEvent: sink))
                    } catch {
                        return .failure(error)
                    }
                })
            let value: Result<RunReply, DriverCallError>
            switch outcome {
            case .replied(let v): value = v
            case .abandoned: value = .failure(DriverCallError(.cancelled, "cancelled"))
            case .deadline:
                running[token]?.cancelRequested = true
                sessions[sessionId]?.needsReopen = true
                return remember(
                    fail(
                        "timed out after \(timeoutMs % 1000 == 0 ? String(timeoutMs / 1000) : String(Double(timeoutMs) / 1000)) s (the \(driver.name) driver did not stop the run)",
                        ["timedOut": true]), principal: caller.principal, sessionId: sessionId)
            }
            switch value {
            case .success(let reply):
                let r = RunOutcome.map(reply)
                // A run the server cancelled because its driver was uninstalled says so, not just "cancelled".
                let error = (r.success ? nil : endedReasons[sessionId]) ?? r.error
                return remember(
                    CommandOutcome(
                        success: r.success, result: r.result, error: error,
                        durationMs: ms(since: start), executionId: executionId),
                    principal: caller.principal, sessionId: sessionId)
            case .failure(let e):
                if e.kind == .remote(code: DriverWire.ErrorCode.sessionNotFound) && !retried && !race.isCancelled {
                    // The driver lost the sandbox (restarted): re-adopt it by handle and try once more.
                    // Unless it was re-opened (after a restart) while this call was on its way.
                    forceReopen =
                        sessions[sessionId]?.openedGeneration == rec.openedGeneration
                        && sessions[sessionId]?.reopening == nil
                    sessions[sessionId]?.needsReopen = true
                    retried = true
                    continue
                }
                if e.kind == .crashed { sessions[sessionId]?.needsReopen = true }
                let message: String
                switch e.kind {
                case .cancelled: message = endedReasons[sessionId] ?? "cancelled"
                case .crashed:
                    // The supervisor's message already names the driver and the restart; don't say it twice.
                    message =
                        e.message.contains("crashed") || e.message.contains("unresponsive")
                        ? e.message
                        : "The \(driver.name) driver crashed during the execution: \(e.message)"
                case .timedOut: message = "Timed out: \(e.message)"
                case .unavailable: message = "Runtime unavailable: \(e.message)"
                case .remote: message = e.message
                }
                let result: JSONValue = e.kind == .cancelled ? ["cancelled": true] : .null
                return remember(fail(message, result), principal: caller.principal, sessionId: sessionId)
            }
        }
    }
}
