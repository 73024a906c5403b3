import DriverProtocol

extension SessionManager {
    /// Closes a session: cancels its executions, tells the driver, deletes the workspace, frees the uid.
    /// Idempotent: returns false if it was already closed (or closing). `principal` nil = the server itself.
    /// `detached`: the teardown (driver close, workspace, uid) runs after this returns; the session already
    /// refuses commands and is not listed, and still counts against the limits until it is gone.
    @discardableResult
    public func close(
        sessionId: String, principal: String?, reason: String = "closed by client", detached: Bool = false
    ) async throws(RPCError) -> Bool {
        guard let rec = sessions[sessionId] else {
            if let owner = tombstones[sessionId], principal == nil || owner == principal { return false }
            throw RPCError.sessionNotFound(sessionId)
        }
        if let principal, rec.principal != principal { throw RPCError.sessionNotFound(sessionId) }
        guard sessions[sessionId]!.machine.beginClose() else { return false }
        for (token, run) in running where run.sessionId == sessionId {
            running[token]?.cancelRequested = true
            run.race?.cancel()
        }
        let waiters = sessions[sessionId]!.waiters
        sessions[sessionId]!.waiters = []
        for w in waiters { w.continuation.resume(returning: false) }
        let snap = rec.snapshot(now: now())
        if detached {
            track { await self.teardown(sessionId, rec, snap, reason: reason) }
        } else {
            await teardown(sessionId, rec, snap, reason: reason)
        }
        return true
    }

    private func teardown(_ sessionId: String, _ rec: SessionRecord, _ snap: SessionSnapshot, reason: String) async {
        let params = SessionCloseParams(session: sessionId, handle: sessions[sessionId]?.handle ?? rec.handle)
        do throws(DriverCallError) {
            _ = try await rec.driver.call(params)
        } catch {
            logger.warning(
                "driver did not close session",
                ["session": sessionId, "driver": rec.driver.name, "error": error.message])
        }
        await removeWorkspace(rec.workspace)
        uids.release(rec.uid)
        memory.release(rec.uid)
        sessions[sessionId]?.machine.finishClose()
        if sessions.removeValue(forKey: sessionId) != nil { admission.closed(principal: rec.principal) }
        tombstones[sessionId] = rec.principal
        tombstoneOrder.append(sessionId)
        if tombstoneOrder.count > 10_000 { tombstones[tombstoneOrder.removeFirst()] = nil }
        logger.info("session closed", ["session": sessionId, "reason": reason])
        policy.didClose(snap, reason: reason)
    }

    /// Closes every session past its idle timeout or max lifetime; returns their ids.
    @discardableResult
    public func reapExpired() async -> [String] {
        let t = now()
        let expired = sessions.compactMap { id, rec in rec.machine.expiry(now: t).map { (id, $0) } }
        for (id, why) in expired {
            _ = try? await close(sessionId: id, principal: nil, reason: "expired (\(why.rawValue))")
        }
        return expired.map(\.0)
    }

    /// Starts the background reaper (every `config.reaperInterval`).
    public func startReaper() {
        guard reaper == nil else { return }
        let interval = config.reaperInterval
        reaper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.reapExpired()
            }
        }
    }

    /// Stops the reaper and closes every session (server shutdown).
    public func shutdown() async {
        reaper?.cancel()
        reaper = nil
        await shutdownPool()
        for id in Array(sessions.keys) {
            _ = try? await close(sessionId: id, principal: nil, reason: "server shutdown")
        }
        await settlePool()  // detached closes still under way
    }
}
