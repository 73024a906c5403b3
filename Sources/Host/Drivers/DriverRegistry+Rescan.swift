import Synchronization

extension DriverRegistry {
    /// Scans the drivers directories again and applies what changed: a new `codebeaker-driver-*` starts (its
    /// languages appear once it is ready), a removed one has its sessions ended (`onDriverRemoved`) and is
    /// stopped. Logs each change. Returns the change (empty when nothing changed or a scan is under way).
    /// `retryUnavailable` (SIGHUP) also restarts drivers that are `unavailable`, so one whose runtime was
    /// installed since comes up.
    @discardableResult
    public func rescan(retryUnavailable: Bool = false) async -> DriverRescan {
        guard let searchPath else { return DriverRescan() }
        // A poll finds a scan under way and leaves it; SIGHUP's retry waits for it, or it would be lost.
        while !scanning.withLock({ busy in
            defer { busy = true }
            return !busy
        }) {
            guard retryUnavailable else { return DriverRescan() }
            try? await Task.sleep(for: .milliseconds(20))
        }
        defer { scanning.withLock { $0 = false } }
        // Quiet: the start-up scan already logged missing directories and shadowing; a poll every few seconds
        // would repeat them.
        let found = DriverDiscovery(searchPath: searchPath, logger: Logger("drivers", sink: Logger.Sink { _ in }))
            .discover()
        let running = Dictionary(supervisors.map { ($0.name, $0.path) }) { a, _ in a }
        var retry = Set<String>()
        if retryUnavailable {
            for s in supervisors { if case .unavailable = s.driverState { retry.insert(s.name) } }
        }
        let change = DriverRescan.diff(running: running, found: found, retry: retry)
        guard !change.isEmpty else { return change }
        for name in change.removed { await remove(name, retrying: retry.contains(name)) }
        for f in change.added { add(f) }
        return change
    }

    private func remove(_ name: String, retrying: Bool) async {
        guard let s = supervisor(named: name) else { return }
        if retrying {
            logger.info("retrying unavailable driver (SIGHUP)", ["name": name, "path": s.path])
            state.withLock { $0.supervisors.removeAll { $0 === s } }
            await s.shutdown()
            return
        }
        logger.info(
            "driver removed from its directory; ending its sessions and stopping it", ["name": name, "path": s.path])
        for handler in state.withLock({ $0.onRemoved }) { await handler(name) }
        state.withLock { $0.supervisors.removeAll { $0 === s } }
        await s.shutdown()
    }

    private func add(_ f: DriverDiscovery.Found) {
        let s = DriverSupervisor(name: f.name, path: f.path, config: config, logSink: logSink)
        let (handlers, started) = state.withLock { st in
            st.supervisors.append(s)
            st.supervisors.sort { $0.name < $1.name }
            return (st.onAdded, st.started)
        }
        for handler in handlers { handler(s) }
        logger.info("driver installed; starting it", ["name": f.name, "path": f.path])
        if started { s.start() }
    }

    /// Rescans every `interval` seconds until the task is cancelled: installing or removing a driver package
    /// takes effect without a restart (and without inotify, which misses directories created later).
    public func watch(every interval: Double) -> Task<Void, Never> {
        Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard let self else { return }
                await self.rescan()
            }
        }
    }
}
