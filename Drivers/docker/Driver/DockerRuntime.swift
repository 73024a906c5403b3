import DriverKit
import DriverProtocol
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The Docker driver: one container per session, runs through the container's cb-runner (pid 1).
final class DockerRuntime: DriverRuntime {
    let name = "docker"
    let version = "0.1.0"

    let config: DockerDriverConfig
    let engine: DockerEngine
    let factory: ContainerFactory
    let pool: WarmPool
    let janitor: Janitor
    let sessions = Mutex<[String: DockerSession]>([:])
    /// One open at a time per session id (see `KeyedGate`).
    let openGate = KeyedGate()
    let health: EngineHealth
    let execCounter = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
    /// session.open calls in progress (their containers are not in `sessions` yet).
    let openingCount = Atomic<Int>(0)
    let opensStarted = Atomic<Int>(0)
    /// Sessions whose open is running, and those closed meanwhile (the open then undoes itself).
    let opening = Mutex<Set<String>>([])
    let shutdownTask = Mutex<Task<Void, Never>?>(nil)
    let closedWhileOpening = Mutex<Set<String>>([])
    /// Sessions with an install running (one at a time: two installers writing one venv corrupt it).
    let installing = Mutex<Set<String>>([])

    init(config: DockerDriverConfig, endpoint: DockerEndpoint) {
        self.config = config
        engine = DockerEngine(endpoint: endpoint)
        var slots: WorkspaceSlots? = nil
        if endpoint.isLocal {
            let s = WorkspaceSlots(root: "\(config.slotRoot)/\(config.instance)")
            if let problem = s.prepare() {
                DriverLog.warning("warm pool disabled (workspace slots unavailable: \(problem))")
            } else {
                slots = s
            }
        }
        factory = ContainerFactory(engine: engine, config: config, slots: slots)
        pool = WarmPool(size: config.poolSize, factory: factory)
        janitor = Janitor(factory: factory)
        health = EngineHealth(engine: engine)
    }

    /// Startup: note a previous run's containers (for re-adoption), then in the background remove the rest and
    /// warm the pool for the built-in images present. Nothing here delays the handshake by more than a listing.
    func start() {
        guard health.check(force: true).ok else { return }
        let sweep = janitor.sweepAtStartup()
        let images = config.poolImages ?? DockerLanguage.all.filter(\.builtIn).map(\.defaultImage)
        OSThread.start { [self] in
            sweep.cleanup()
            janitor.sweepStaleInstances()
            engine.http.prewarm(2)
            for image in images where (try? factory.checkImage(image)) != nil { pool.refill(image) }
            // Then, now and then: anything of ours that nobody owns goes (see Janitor.sweepOrphans).
            var first = true
            while !stopped.load(ordering: .relaxed) {
                // The first sweep comes soon: it catches what a crashed predecessor's in-flight creates left.
                let ms = first ? min(config.orphanSweepMs, 5_000) : config.orphanSweepMs
                first = false
                var ts = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
                nanosleep(&ts, nil)
                if stopped.load(ordering: .relaxed) { break }
                sweepOrphans()
            }
        }
    }

    /// Removes containers of this instance that no session, pool slot or pending adoption owns.
    func sweepOrphans() {
        // Ownership is read before listing; if any open or pool creation started meanwhile (epochs moved) or is
        // in flight (its container has no id yet), nothing is removed this time.
        let epoch = (opensStarted.load(ordering: .relaxed), pool.epoch)
        guard openingCount.load(ordering: .relaxed) == 0 else { return }
        let sessionIds = sessions.withLock { Set($0.values.map { $0.container.id }) }
        let (poolIds, slots) = pool.owned
        janitor.sweepOrphans(ownedIds: sessionIds.union(poolIds), ownedSlots: slots) { [self] in
            openingCount.load(ordering: .relaxed) == 0 && epoch == (opensStarted.load(ordering: .relaxed), pool.epoch)
        }
    }

    func capabilities() -> DriverCapabilities {
        let h = health.check(force: false)
        return DriverCapabilities(
            languages: DockerLanguage.capabilities, runtimeType: "Docker", isolationLevel: 9,
            startupMs: pool.enabled ? 60 : 450, memoryMB: 64, packageManagers: ["pip", "npm"], stateful: false,
            interrupt: true, streaming: true, networkControl: true, available: h.ok,
            unavailableReason: h.ok ? nil : h.reason,
            installHint: h.ok
                ? nil
                : "install Docker (apt-get install docker.io), start dockerd, then build the images "
                    + "with scripts/build-runtime-images.sh; set DOCKER_HOST for a remote engine")
    }
}
