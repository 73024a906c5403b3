import DriverProtocol

/// The pool of pre-started sandboxes (docs/architecture.md, "Sandbox pool"): `SessionPool` decides, this
/// file does the I/O. A pooled sandbox is a session opened with the server's default options and never
/// used; `session.create` adopts one (taking it out of the pool inside this actor, so it serves one session
/// only) when the requested options are ones it can serve, else the session starts cold.
extension SessionManager {
    public func setPoolMetrics(_ m: SessionPoolMetrics) {
        poolMetrics = m
        updatePoolGauges()
    }

    /// Starts the timer that fills the pool (drivers become ready after the server starts; failed starts
    /// back off). Every hand-out also refills at once.
    public func startPool() {
        guard pool.isEnabled, poolTicker == nil else { return }
        poolTicker = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.refillPool()
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Ready and starting pooled sandboxes per driver (tests, admin).
    public var poolCounts: [String: (ready: Int, starting: Int)] {
        var out: [String: (ready: Int, starting: Int)] = [:]
        for name in pool.targets.keys { out[name] = (pool.readyCount(name), pool.starting[name] ?? 0) }
        return out
    }

    /// Trims the pool to the server's limits and starts what it lacks.
    func refillPool() {
        guard pool.isEnabled, !pool.isShutDown else { return }
        var excess = admission.count + pool.total - config.maxSessions
        while excess > 0, let p = pool.evictOldest() {
            discardLater(p.entry, .yieldToSessions)
            excess -= 1
        }
        let list = drivers
        let ready = Set(list.filter { $0.isReady && $0.capabilities?.available == true }.map(\.name))
        let headroom = min(config.maxSessions - admission.count - pool.total, uids.free)
        for name in pool.plan(now: now(), readyDrivers: ready, headroom: headroom, paused: coldStarts > 0) {
            guard let driver = list.first(where: { $0.name == name }) else {
                pool.cancelled(driver: name)
                continue
            }
            track { await self.startPooled(driver) }
        }
        updatePoolGauges()
    }

    /// Builds one pooled sandbox: uid, memory, workspace, then `session.open` with `waitReady`.
    func startPooled(_ driver: any DriverClient) async {
        let name = driver.name
        guard let language = driver.capabilities?.languages.first?.name,
            let options = try? SessionOptions(params: ["language": .string(language)], config: config),
            let uid = uids.allocate()
        else { return pool.cancelled(driver: name) }
        do throws(RPCError) { try memory.admit(uid, memoryMB: options.memoryLimitMB) } catch {
            uids.release(uid)
            return pool.cancelled(driver: name)
        }
        let id = SessionIDs.make(prefix: config.route.idPrefix("s"))
        let owner: UInt32? = config.chownWorkspaces ? uid : nil
        let ws = Workspace(
            root: config.workspaceRoot + "/" + id, uid: owner, gid: owner, limits: config.workspaceLimits)
        let generation = driver.generation
        var failure: String?
        do throws(WorkspaceError) { try await storage.provision(ws, quotaMB: options.diskLimitMB) } catch {
            failure = "workspace: \(error.message)"
        }
        var reply: SessionOpenReply?
        if failure == nil {
            var params = openParams(
                id: id, workspace: ws, language: language, uid: uid, handle: nil, options: options)
            params.options.waitReady = true
            do throws(DriverCallError) { reply = try await driver.call(params) } catch {
                failure = "session.open: \(error.message)"
                // A driver that answered with an error opened nothing; a lost or timed-out call may have.
                if error.kind == .crashed || error.kind == .timedOut || error.kind == .cancelled {
                    _ = try? await driver.call(SessionCloseParams(session: id, handle: nil))
                }
                await removeWorkspace(ws)
            }
        }
        guard let reply, failure == nil else {
            uids.release(uid)
            memory.release(uid)
            pool.failed(driver: name, now: now())
            poolMetrics?.startFailures.labels(MetricLabel.plain(name)).increment()
            logger.warning("cannot pre-start a sandbox", ["driver": name, "error": failure ?? ""])
            return updatePoolGauges()
        }
        let p = PooledSandbox(
            id: id, uid: uid, workspace: ws, driver: driver, language: language, handle: reply.handle,
            containerId: reply.containerId)
        let refuse: SessionPool<PooledSandbox>.Discard? =
            driver.generation != generation
            ? .driverRestarted : admission.count + pool.total > config.maxSessions ? .yieldToSessions : nil
        switch pool.opened(p, driver: name, generation: generation, now: now(), refuse: refuse) {
        case .pooled:
            refillPool()
        case .discard(let why):
            await discardPooled(p, reason: why)
        }
    }

    /// Closes a pooled sandbox on its driver and gives back its workspace, uid and memory.
    func discardPooled(_ p: PooledSandbox, reason: SessionPool<PooledSandbox>.Discard) async {
        _ = try? await p.driver.call(SessionCloseParams(session: p.id, handle: p.handle))
        await removeWorkspace(p.workspace)
        uids.release(p.uid)
        memory.release(p.uid)
        poolMetrics?.discards.labels(reason.rawValue).increment()
        updatePoolGauges()
    }

    /// `session.lost` from a driver: if that session is a pooled sandbox nobody holds yet, it is discarded (its
    /// driver restarted the runner, but a sandbox whose runner died is not handed out); a live session keeps
    /// the new runner, as after any runner death.
    func pooledRunnerLost(_ id: String, driver: String) {
        guard let p = pool.remove(driver: driver, where: { $0.id == id }) else { return }
        logger.warning("pooled sandbox discarded: its runner died", ["session": id, "driver": driver])
        discardLater(p.entry, .runnerDied)
        updatePoolGauges()
        refillPool()
    }

    func discardLater(_ p: PooledSandbox, _ reason: SessionPool<PooledSandbox>.Discard) {
        track { await self.discardPooled(p, reason: reason) }
    }

    /// Runs pool work as a task that shutdown waits for.
    func track(_ work: @escaping @Sendable () async -> Void) {
        nextPoolTask += 1
        let key = nextPoolTask
        poolTasks[key] = Task {
            await work()
            self.poolTaskDone(key)
        }
    }

    private func poolTaskDone(_ key: Int) { poolTasks[key] = nil }

    /// A uid for a cold start; when none is free, pooled sandboxes give theirs back first.
    func allocateUid() async -> UInt32? {
        while true {
            if let uid = uids.allocate() { return uid }
            guard let p = pool.evictOldest() else { return nil }
            await discardPooled(p.entry, reason: .yieldToSessions)
        }
    }

    /// Memory admission for a cold start; pooled sandboxes give their reservation back first when that helps.
    func admitMemory(_ uid: UInt32, memoryMB: Int) async throws(RPCError) {
        while true {
            do throws(RPCError) {
                try memory.admit(uid, memoryMB: memoryMB)
                return
            } catch {
                guard memoryMB <= memory.allSessionsMB, let p = pool.evictOldest() else { throw error }
                await discardPooled(p.entry, reason: .yieldToSessions)
            }
        }
    }

    /// Server shutdown: no more starts; every pooled sandbox closed and removed, including those in flight.
    func shutdownPool() async {
        poolTicker?.cancel()
        poolTicker = nil
        for p in pool.shutdown() { discardLater(p.entry, .shutdown) }
        await settlePool()
    }

    /// Waits until no background work is in flight: pool starts and discards, detached closes (shutdown; tests).
    public func settlePool() async {
        while let task = poolTasks.values.first { await task.value }
    }

    func updatePoolGauges() {
        guard let m = poolMetrics else { return }
        for name in pool.targets.keys {
            let label = MetricLabel.plain(name)
            m.ready.labels(label).set(Double(pool.readyCount(name)))
            m.starting.labels(label).set(Double(pool.starting[name] ?? 0))
        }
    }
}
