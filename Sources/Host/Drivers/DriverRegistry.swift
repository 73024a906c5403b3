public import DriverProtocol
import LinuxSystem
import Synchronization

/// Every supervised driver of this host. Starting is asynchronous: the server accepts connections at once and
/// `/health/ready` says 503 until `anyReady`. The set changes while the host runs when a driver package is
/// installed or removed (`rescan`, DriverRegistry+Rescan.swift).
public final class DriverRegistry: Sendable {
    struct State {
        var supervisors: [DriverSupervisor]
        var started = false
        var onAdded: [@Sendable (DriverSupervisor) -> Void] = []
        var onRemoved: [@Sendable (String) async -> Void] = []
    }

    let state: Mutex<State>
    let config: DriverSupervisorConfig
    let logSink: Logger.Sink
    let logger: Logger
    /// Where `rescan` looks; nil for a fixed list (tests, `drivers list`).
    let searchPath: DriverSearchPath?
    /// Set while a rescan runs, so the poller and SIGHUP never apply the same change twice.
    let scanning = Mutex(false)

    public init(
        drivers: [DriverDiscovery.Found], config: DriverSupervisorConfig = DriverSupervisorConfig(),
        logSink: Logger.Sink = .stderr, searchPath: DriverSearchPath? = nil
    ) {
        self.config = config
        self.logSink = logSink
        self.searchPath = searchPath
        logger = Logger("drivers", sink: logSink)
        state = Mutex(
            State(
                supervisors: drivers.map {
                    DriverSupervisor(name: $0.name, path: $0.path, config: config, logSink: logSink)
                }))
    }

    /// Discovers drivers in `directories`, then the defaults unless `includeDefaults` is false (see
    /// `DriverSearchPath`), and wraps them; call `start()` next. `rescan` searches the same directories.
    public convenience init(
        directories: [String], includeDefaults: Bool = true, config: DriverSupervisorConfig = DriverSupervisorConfig(),
        logSink: Logger.Sink = .stderr
    ) {
        let path = DriverSearchPath(configured: directories, includeDefaults: includeDefaults)
        let found = DriverDiscovery(searchPath: path, logger: Logger("drivers", sink: logSink)).discover()
        self.init(drivers: found, config: config, logSink: logSink, searchPath: path)
    }

    /// The drivers now, in name order.
    public var supervisors: [DriverSupervisor] { state.withLock { $0.supervisors } }

    /// Starts every supervisor concurrently and returns at once.
    public func start() {
        let all = state.withLock { s in
            s.started = true
            return s.supervisors
        }
        if all.isEmpty { logger.warning("no drivers found; install codebeaker-driver-NAME executables") }
        for s in all {
            logger.info("starting driver", ["name": s.name, "path": s.path])
            s.start()
        }
    }

    /// Called for each driver added by a rescan (before it starts) and each one removed (before it stops, so
    /// its sessions can still be closed on it).
    public func onDriverAdded(_ handler: @escaping @Sendable (DriverSupervisor) -> Void) {
        state.withLock { $0.onAdded.append(handler) }
    }

    public func onDriverRemoved(_ handler: @escaping @Sendable (String) async -> Void) {
        state.withLock { $0.onRemoved.append(handler) }
    }

    public var clients: [any DriverClient] { supervisors }
    public var anyReady: Bool { supervisors.contains { $0.isReady } }

    public func supervisor(named name: String) -> DriverSupervisor? { supervisors.first { $0.name == name } }

    /// The ready driver that declares `language` as a name or alias (case-insensitive), first by name order.
    public func client(forLanguage language: String) -> DriverSupervisor? {
        let l = language.lowercased()
        return supervisors.first { s in
            s.isReady
                && (s.capabilities?.languages.contains {
                    $0.name.lowercased() == l || $0.aliases.contains { $0.lowercased() == l }
                } ?? false)
        }
    }

    /// One snapshot per driver, in name order: for `/health/ready`, `initialize` and `drivers list`.
    public func snapshot() -> JSONValue { .array(supervisors.map { $0.snapshot() }) }

    /// Waits until every driver has settled (ready, failed or unavailable) or `timeout` seconds pass.
    public func waitUntilSettled(timeout: Double) async -> Bool {
        let deadline = DriverClock.now() + timeout
        for s in supervisors where !(await s.waitUntilSettled(timeout: max(0, deadline - DriverClock.now()))) {
            return false
        }
        return true
    }

    /// Revives every failed driver (SIGHUP); returns their names.
    @discardableResult
    public func reviveFailed() -> [String] {
        let revived = supervisors.filter { $0.revive() }.map(\.name)
        logger.info(
            revived.isEmpty ? "revive requested; no driver is failed" : "reviving failed drivers",
            ["drivers": revived.joined(separator: ",")])
        return revived
    }

    /// Stops all drivers concurrently; returns when every process has been reaped.
    public func shutdownAll() async {
        await withTaskGroup(of: Void.self) { group in
            for s in supervisors { group.addTask { await s.shutdown() } }
        }
    }
}
