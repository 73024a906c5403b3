import CSystem
public import DriverProtocol
import FoundationEssentials
import Synchronization

/// The server's parts without a listener: drivers, workspaces, sessions, security and the JSON-RPC router.
/// `serve` puts the HTTP server in front of it; `codebeaker mcp` and `codebeaker run` call `router` in-process
/// (see `InProcessBackend`), with the same security checks a WebSocket client gets.
public final class HostRuntime: Sendable {
    public let config: ServerConfig
    public let router: RPCRouter
    let registry: DriverRegistry
    let sessions: SessionManager
    let security: SecurityLayer
    let metrics: CodeBeakerMetrics
    let storage: any WorkspaceStorage
    /// Rescans the drivers directories (DriverRegistry+Rescan.swift); stopped at shutdown.
    let driversWatch: Task<Void, Never>

    private init(
        config: ServerConfig, router: RPCRouter, registry: DriverRegistry, sessions: SessionManager,
        security: SecurityLayer, metrics: CodeBeakerMetrics, storage: any WorkspaceStorage
    ) {
        self.config = config; self.router = router; self.registry = registry; self.sessions = sessions
        self.security = security; self.metrics = metrics; self.storage = storage
        driversWatch = registry.watch(every: config.driversRescanSeconds)
    }

    public struct StartError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Starts the drivers, the workspace storage, the session manager (reaper and pool) and builds the router.
    /// Fails only on configuration problems, which it names.
    public static func start(_ serverConfig: ServerConfig) async throws(StartError) -> HostRuntime {
        var config = serverConfig
        let log = Logger("server")
        _ = cs_ignore_sigpipe()
        let metrics = CodeBeakerMetrics()
        let security = SecurityLayer.make(config: config.security, metrics: metrics)
        var supervision: DriverSupervisorConfig
        do throws(DriverSupervisorConfig.EnvironmentError) {
            supervision = try .fromEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            throw StartError(description: "\(error)")
        }
        if let problem = MemoryMergeCheck.problem(config.memoryMerge) { throw StartError(description: problem) }
        // Drivers apply the mode when they spawn sandboxes; the host itself is never marked mergeable.
        supervision.environment[MemoryMerge.environmentVariable] = config.memoryMerge.rawValue
        for warning in MemoryMergeCheck.warnings(config.memoryMerge) { log.warning(warning) }
        let registry = DriverRegistry(
            directories: config.driversDirs, includeDefaults: config.defaultDriversDirs, config: supervision)
        registry.start()
        ReviveOnHangup.install(registry)
        let storage = await WorkspaceSetup.storage(for: config, logger: Logger("workspaces"))
        config.workspaceQuotaMB = storage.quotaMB ?? 0  // the effective value, as initialize reports it
        var sessionConfig = SessionManagerConfig(server: config)
        sessionConfig.workspaceQuotaMB = storage.quotaMB
        let sessions = SessionManager(
            directory: registry, config: sessionConfig, policy: SecuritySessionPolicy(security),
            storage: storage)
        sessions.followRestarts(of: registry)
        await sessions.startReaper()
        await sessions.setPoolMetrics(metrics.pool)
        await sessions.startPool()
        let names = Mutex<[String]>([])
        var methods: [String: RPCMethod] = SessionAPI(manager: sessions).methods
        let core = CoreMethods(drivers: registry, config: config, methodNames: { names.withLock { $0 } })
        methods.merge(core.methods) { a, _ in a }
        names.withLock { $0 = methods.keys.sorted() }
        let router = RPCRouter(
            methods: methods,
            gate: { method, ctx throws(RPCError) in
                try security.checkRequest(connection: ctx.connectionID, principal: ctx.principal, method: method)
            },
            observe: { method, code in security.recordRequest(method: method, errorCode: code) })
        return HostRuntime(
            config: config, router: router, registry: registry, sessions: sessions, security: security,
            metrics: metrics, storage: storage)
    }

    /// Cancels what a gone connection started: its result has nowhere to go.
    public func connectionClosed(_ id: UInt64) async { await sessions.cancelAll(connectionID: id) }

    /// Closes every session and pooled sandbox, unmounts volumes, stops the drivers, flushes the audit log.
    public func shutdown() async {
        driversWatch.cancel()
        await sessions.shutdown()
        (storage as? VolumeStorage)?.shutdown()
        await registry.shutdownAll()
        security.shutdown()
    }
}
