import DriverProtocol

/// Handing a pooled sandbox to a new session (see SessionManager+Pool.swift).
extension SessionManager {
    /// Hands a pooled sandbox to a new session, or nil (the caller starts one cold).
    func adoptPooled(
        options: SessionOptions, selection: RuntimeSelector.Selection, driver: any DriverClient, principal: String
    ) throws(RPCError) -> SessionSnapshot? {
        let name = driver.name
        guard pool.target(name) > 0 else { return nil }
        guard options.servedByPool(config), poolLanguageFits(driver, selection) else {
            poolMetrics?.misses.labels(MetricLabel.plain(name), SessionPool<PooledSandbox>.Miss.options.rawValue)
                .increment()
            return nil
        }
        if let refusal = admission.reserve(principal: principal) { throw refusal }
        let (hit, miss, stale) = pool.take(driver: name, generation: driver.generation)
        for p in stale { discardLater(p.entry, .driverRestarted) }
        guard let hit else {
            admission.rollback(principal: principal)
            if let miss { poolMetrics?.misses.labels(MetricLabel.plain(name), miss.rawValue).increment() }
            updatePoolGauges()
            return nil
        }
        admission.commit(principal: principal)
        let p = hit.entry, t = now()
        var rec = SessionRecord(
            id: p.id, principal: principal, options: options, selection: selection, driver: driver,
            workspace: p.workspace, uid: p.uid, createdWall: wallNow(),
            machine: SessionStateMachine(
                now: t, idleTimeout: options.idleTimeoutMinutes * 60, maxLifetime: options.maxLifetimeMinutes * 60,
                activeWindow: config.activeWindowSeconds))
        rec.handle = p.handle
        rec.containerId = p.containerId
        rec.openedGeneration = hit.generation
        rec.sandboxStart = .pooled
        rec.machine.opened(now: t)
        sessions[p.id] = rec
        poolMetrics?.hits.labels(MetricLabel.plain(name)).increment()
        updatePoolGauges()  // the ready gauge drops now; the refill comes later
        logger.info("session created", ["session": p.id, "driver": name, "principal": principal, "sandbox": "pooled"])
        // The refill's sandbox start takes a core for tens of ms: let the new session's first command, which
        // typically follows at once, run before it (bench: 1.5 ms off that command on 2 cores).
        track {
            try? await Task.sleep(for: .milliseconds(Self.refillAfterAdoptionMs))
            await self.refillPool()
        }
        return rec.snapshot(now: t)
    }

    static let refillAfterAdoptionMs = 100

    /// The native drivers run any of their languages in one sandbox; others only the language it was opened with.
    func poolLanguageFits(_ driver: any DriverClient, _ selection: RuntimeSelector.Selection) -> Bool {
        SessionPoolConfig.nativeDrivers.contains(driver.name)
            || driver.capabilities?.languages.first?.name == selection.driverLanguage
    }
}
