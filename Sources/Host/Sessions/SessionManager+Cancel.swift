public import DriverProtocol

extension SessionManager {
    /// Cancels a running (or queued) execution, found by the client's request id of its `session.execute`
    /// or by its `executionId`. Without a sessionId or executionId, only the caller's own connection is
    /// searched (request ids are per connection). Returns false when nothing matched: a late cancel is harmless.
    public func cancel(requestID: JSONValue?, executionId: String?, sessionId: String?, caller: CallerContext) -> Bool {
        let matches = running.filter { _, r in
            r.principal == caller.principal
                && (sessionId == nil || r.sessionId == sessionId)
                && (executionId == nil || r.executionId == executionId)
                && (requestID == nil || r.requestID == requestID)
                && (sessionId != nil || executionId != nil || r.connectionID == caller.connectionID)
        }
        guard requestID != nil || executionId != nil, let token = matches.keys.min() else { return false }
        cancel(token: token)
        return true
    }

    /// Stops one execution: its driver call is cancelled, or, still waiting for a slot, it leaves the queue.
    private func cancel(token: Int) {
        guard let run = running[token] else { return }
        running[token]?.cancelRequested = true
        if let race = run.race {
            race.cancel()
        } else if let i = sessions[run.sessionId]?.waiters.firstIndex(where: { $0.token == token }) {
            sessions[run.sessionId]!.waiters.remove(at: i).continuation.resume(returning: false)
        }
    }

    /// Cancels every execution (running or queued) a connection started; returns how many. For a closed
    /// connection: nobody is left to receive their results.
    @discardableResult
    public func cancelAll(connectionID: UInt64) -> Int {
        let tokens = running.filter { $0.value.connectionID == connectionID && !$0.value.cancelRequested }.map(\.key)
        for token in tokens { cancel(token: token) }
        if !tokens.isEmpty {
            logger.info("cancelled the executions of a closed connection", ["count": String(tokens.count)])
        }
        return tokens.count
    }

    /// Keeps a finished execution for `execution.status`.
    func remember(_ outcome: CommandOutcome, principal: String, sessionId: String) -> CommandOutcome {
        guard let id = outcome.executionId else { return outcome }
        finished[id] = StoredRun(principal: principal, sessionId: sessionId, outcome: outcome, finishedWall: wallNow())
        finishedOrder.append(id)
        while finishedOrder.count > config.finishedRunsKept { finished[finishedOrder.removeFirst()] = nil }
        return outcome
    }

    /// A finished execution's outcome, if it is the caller's and still remembered.
    public func finishedRun(executionId: String, principal: String) -> (
        sessionId: String, outcome: CommandOutcome, finishedAt: Double
    )? {
        guard let run = finished[executionId], run.principal == principal else { return nil }
        return (run.sessionId, run.outcome, run.finishedWall)
    }

    /// True while the caller's execution is still running or queued.
    public func isRunning(executionId: String, principal: String) -> Bool {
        running.values.contains { $0.executionId == executionId && $0.principal == principal }
    }
}
