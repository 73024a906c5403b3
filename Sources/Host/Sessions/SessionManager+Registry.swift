extension SessionManager {
    /// Re-adopts a driver's sessions after each of its restarts (the supervisor calls back once the new
    /// process is ready), so sessions continue with their workspaces; follows drivers installed later too, and
    /// ends the sessions of a driver that is uninstalled.
    public nonisolated func followRestarts(of registry: DriverRegistry) {
        let follow: @Sendable (DriverSupervisor) -> Void = { [weak self] supervisor in
            let name = supervisor.name
            supervisor.onRestart { [weak self] in await self?.driverRestarted(name) }
            supervisor.onSessionLost { [weak self] id, _ in await self?.pooledRunnerLost(id, driver: name) }
            _ = self
        }
        registry.supervisors.forEach(follow)
        registry.onDriverAdded(follow)
        registry.onDriverRemoved { [weak self] name in await self?.driverRemoved(name) }
    }

    /// The driver's executable was removed (its package uninstalled): its sessions cannot run anything any
    /// more, so they end now, with a reason their clients see (a run in flight fails with it, a later call
    /// gets "Session not found" with it), instead of waiting on a driver that will not come back.
    public func driverRemoved(_ driverName: String) async {
        for p in pool.removeAll(driver: driverName) { discardLater(p.entry, .driverRestarted) }
        let reason = "the session ended: its driver '\(driverName)' was uninstalled from this host"
        let ids = sessions.filter { $0.value.driver.name == driverName }.map(\.key).sorted()
        if endedReasons.count > 10_000 { endedReasons = [:] }
        for id in ids { endedReasons[id] = reason }
        for id in ids { _ = try? await close(sessionId: id, principal: nil, reason: "driver \(driverName) removed") }
    }

    /// "Session not found", with why the server ended it when it did (to its owner only: anyone else gets
    /// exactly what a missing session gives).
    func notFound(_ sessionId: String, _ principal: String) -> RPCError {
        guard let why = endedReasons[sessionId], tombstones[sessionId] == principal else {
            return .sessionNotFound(sessionId)
        }
        return RPCError(code: -32001, message: "Session not found: \(sessionId) (\(why))")
    }
}
