public import DriverProtocol
public import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Owns every session: picks a driver, allocates the workspace and sandbox uid, asks the driver to open
/// the sandbox, runs commands (file commands itself, executions through the driver), closes and reaps.
///
/// Sessions belong to a principal, not to a connection: they outlive the WebSocket that made them. Asking
/// about another principal's session gives exactly the error a missing one gives.
///
/// Concurrency inside one session: file commands run at once; executions (code, shell, install) run
/// concurrently up to `maxConcurrentExecutionsPerSession` (1 for stateful sessions) and beyond that wait
/// in FIFO order.
public actor SessionManager {
    public let config: SessionManagerConfig
    let policy: any SessionPolicy
    let storage: any WorkspaceStorage
    let logger: Logger
    /// Monotonic seconds (timeouts, idle tracking) and wall-clock seconds (timestamps shown to clients).
    let now: @Sendable () -> Double
    let wallNow: @Sendable () -> Double

    /// Where the current driver list comes from (the registry may add drivers after startup).
    var driverSource: @Sendable () -> [any DriverClient]
    var drivers: [any DriverClient] { driverSource() }
    var sessions: [String: SessionRecord] = [:]
    /// Recently closed ids and their owners, so a repeated close answers `closed:true`.
    var tombstones: [String: String] = [:]
    var tombstoneOrder: [String] = []
    /// Why the server ended a session (its driver was uninstalled), for the errors its client gets next.
    var endedReasons: [String: String] = [:]
    var uids: UidPool
    /// Memory limits of open sessions against the server's budget, keyed by sandbox uid.
    var memory: MemoryAdmission
    /// Live and reserved sessions (server-wide cap), reserved before the awaits of `create`.
    var admission: SessionAdmission
    /// File commands in flight per session and per principal.
    var fileGate: FileCommandGate
    var running: [Int: RunningExecution] = [:]
    var nextToken = 0
    var finished: [String: StoredRun] = [:]
    var finishedOrder: [String] = []
    var reaper: Task<Void, Never>?
    /// Pre-started sandboxes (SessionManager+Pool.swift), the tasks that build or discard them (shutdown
    /// waits for these), and the timer that refills the pool.
    var pool: SessionPool<PooledSandbox>
    var poolTasks: [Int: Task<Void, Never>] = [:]
    var nextPoolTask = 0
    var poolTicker: Task<Void, Never>?
    var poolMetrics: SessionPoolMetrics?
    /// Cold session starts in flight; the pool starts nothing while there are any.
    var coldStarts = 0

    public init(
        drivers: [any DriverClient], config: SessionManagerConfig = SessionManagerConfig(),
        policy: any SessionPolicy = NoSessionPolicy(), storage: any WorkspaceStorage = DirectoryStorage(),
        logger: Logger = Logger("sessions"),
        now: @escaping @Sendable () -> Double = MonotonicClock.now,
        wallNow: @escaping @Sendable () -> Double = Timestamp.now
    ) {
        self.init(
            driverSource: { drivers }, config: config, policy: policy, storage: storage, logger: logger, now: now,
            wallNow: wallNow)
    }

    /// Reads the driver list from the app's `DriverDirectory` at each `session.create`.
    public init(
        directory: any DriverDirectory, config: SessionManagerConfig = SessionManagerConfig(),
        policy: any SessionPolicy = NoSessionPolicy(), storage: any WorkspaceStorage = DirectoryStorage(),
        logger: Logger = Logger("sessions")
    ) {
        self.init(driverSource: { directory.clients }, config: config, policy: policy, storage: storage, logger: logger)
    }

    public init(
        driverSource: @escaping @Sendable () -> [any DriverClient],
        config: SessionManagerConfig = SessionManagerConfig(),
        policy: any SessionPolicy = NoSessionPolicy(), storage: any WorkspaceStorage = DirectoryStorage(),
        logger: Logger = Logger("sessions"),
        now: @escaping @Sendable () -> Double = MonotonicClock.now,
        wallNow: @escaping @Sendable () -> Double = Timestamp.now
    ) {
        self.driverSource = driverSource; self.config = config; self.policy = policy; self.storage = storage;
        self.logger = logger
        self.now = now; self.wallNow = wallNow
        uids = UidPool(range: config.uidRange)
        memory = MemoryAdmission(allSessionsMB: config.allSessionsMemoryMB, overcommit: config.memoryOvercommit)
        admission = SessionAdmission(
            maxSessions: config.maxSessions, maxSessionsPerPrincipal: config.maxSessionsPerPrincipal)
        fileGate = FileCommandGate(
            perSession: config.maxConcurrentFileCommandsPerSession,
            perPrincipal: config.maxConcurrentFileCommandsPerPrincipal)
        pool = SessionPool(targets: config.pool.targets, maxParallelStarts: config.pool.maxParallelStarts)
    }

    /// Replaces the driver list. Live sessions keep their driver.
    public func setDrivers(_ drivers: [any DriverClient]) { driverSource = { drivers } }

    static func candidates(_ drivers: [any DriverClient]) -> [RuntimeSelector.Candidate] {
        drivers.map { RuntimeSelector.Candidate(name: $0.name, capabilities: $0.capabilities, isReady: $0.isReady) }
    }

    // MARK: create

    public func create(params: JSONValue, principal: String) async throws(RPCError) -> SessionSnapshot {
        try policy.willCreate(principal: principal, params: params)
        // Whatever the policy reserved in willCreate is given back on every path that does not end in didCreate.
        var created = false
        defer { if !created { policy.didFailCreate(principal: principal) } }
        let options = try SessionOptions(params: params, config: config)
        let available = drivers
        let selection = try RuntimeSelector.select(
            language: options.language, runtimeType: try Self.runtimeType(for: options),
            preference: options.runtimePreference, candidates: Self.candidates(available),
            reason: options.dockerImage == nil ? nil : "dockerImage needs the Docker runtime")
        let driver = available[selection.index]
        if options.stateful && driver.capabilities?.stateful != true {
            throw RPCError.invalidParams("stateful", "is not supported by the \(selection.runtimeType) runtime")
        }
        if let snap = try adoptPooled(options: options, selection: selection, driver: driver, principal: principal) {
            created = true
            policy.didCreate(snap)
            return snap
        }
        coldStarts += 1
        defer {
            coldStarts -= 1
            refillPool()
        }
        if let refusal = admission.reserve(principal: principal) { throw refusal }
        guard let uid = await allocateUid() else {
            admission.rollback(principal: principal)
            throw RPCError.unavailable("No sandbox uid free; close some sessions")
        }
        do throws(RPCError) { try await admitMemory(uid, memoryMB: options.memoryLimitMB) } catch {
            uids.release(uid)
            admission.rollback(principal: principal)
            throw error
        }
        let id = SessionIDs.make(prefix: config.route.idPrefix("s"))
        let owner: UInt32? = config.chownWorkspaces ? uid : nil
        let ws = Workspace(
            root: config.workspaceRoot + "/" + id, uid: owner, gid: owner, limits: config.workspaceLimits)
        let provisioned: Result<Void, WorkspaceError>
        do throws(WorkspaceError) {
            try await storage.provision(ws, quotaMB: options.diskLimitMB); provisioned = .success(())
        } catch {
            provisioned = .failure(error)
        }
        if case .failure(let error) = provisioned {
            admission.rollback(principal: principal)
            uids.release(uid)
            memory.release(uid)
            logger.error("cannot create workspace", ["session": id, "error": error.message])
            if error.kind == .tooLarge {
                throw RPCError.unavailable("Cannot create the session workspace: \(error.message)")
            }
            throw RPCError.internalError("cannot create the session workspace")
        }
        admission.commit(principal: principal)  // from here `close` (or the failure below) gives the place back
        let t = now()
        sessions[id] = SessionRecord(
            id: id, principal: principal, options: options, selection: selection, driver: driver,
            workspace: ws, uid: uid, createdWall: wallNow(),
            machine: SessionStateMachine(
                now: t, idleTimeout: options.idleTimeoutMinutes * 60,
                maxLifetime: options.maxLifetimeMinutes * 60,
                activeWindow: config.activeWindowSeconds))
        let opened: SessionOpenReply
        do throws(DriverCallError) {
            opened = try await driver.call(openParams(sessions[id]!))
        } catch {
            if sessions.removeValue(forKey: id) != nil { admission.closed(principal: principal) }
            await removeWorkspace(ws)
            uids.release(uid)
            memory.release(uid)
            let why =
                {
                    if case .remote = error.kind { return "open failed: " }; return ""
                }() + error.message
            throw RPCError.unavailable("Cannot start a \(selection.language) sandbox (\(driver.name)): \(why)")
        }
        guard sessions[id] != nil else {  // closed (server shutdown) while the driver was opening it
            _ = try? await driver.call(SessionCloseParams(session: id, handle: opened.handle))
            throw RPCError.sessionNotFound(id)
        }
        sessions[id]!.handle = opened.handle
        sessions[id]!.openedGeneration = driver.generation
        sessions[id]!.containerId = opened.containerId
        sessions[id]!.machine.opened(now: now())
        sessions[id]!.sandboxStart = .cold
        let snap = sessions[id]!.snapshot(now: now())
        logger.info("session created", ["session": id, "driver": driver.name, "principal": principal])
        created = true
        policy.didCreate(snap)
        return snap
    }

    /// The runtime a session must run on: the client's `runtimeType`, or Docker when it names a
    /// `dockerImage` (only the Docker runtime runs images; the option is never silently dropped).
    static func runtimeType(for options: SessionOptions) throws(RPCError) -> String? {
        guard options.dockerImage != nil else { return options.runtimeType }
        if let rt = options.runtimeType, RuntimeSelector.normalizedRuntimeType(rt) != "docker" {
            throw RPCError.invalidParams(
                "dockerImage", "is only used by the Docker runtime, and runtimeType is '\(rt)'")
        }
        return "Docker"
    }

    /// `execution.run`'s early refusal (the policy's per-principal execution rate), before any session exists.
    public nonisolated func precheckRun(principal: String) throws(RPCError) {
        try policy.willStartRun(principal: principal)
    }

    // MARK: queries

    /// The caller's sessions, oldest first (not those being closed).
    public func list(principal: String) -> [SessionSnapshot] {
        let t = now()
        return sessions.values.filter { $0.principal == principal && !$0.machine.isClosing }.sorted {
            $0.createdWall < $1.createdWall
        }.map {
            rec in
            var snap = rec.snapshot(now: t)
            if snap.options.diskLimitMB != nil { snap.diskUsedBytes = WorkspaceRoot.usedBytes(rec.workspace.root) }
            return snap
        }
    }

    public func snapshot(sessionId: String, principal: String) throws(RPCError) -> SessionSnapshot {
        guard let rec = owned(sessionId, principal) else { throw RPCError.sessionNotFound(sessionId) }
        return rec.snapshot(now: now())
    }

    /// Every session the manager holds, including those being torn down (admin, metrics).
    public var count: Int { sessions.count }

    func owned(_ id: String, _ principal: String) -> SessionRecord? {
        guard let rec = sessions[id], rec.principal == principal else { return nil }
        return rec
    }

    func removeWorkspace(_ ws: Workspace) async {
        do throws(WorkspaceError) { try await storage.release(ws) } catch {
            logger.error("cannot remove workspace", ["path": ws.root, "error": error.message])
        }
    }
}
