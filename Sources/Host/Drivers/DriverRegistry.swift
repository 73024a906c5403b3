public import DriverProtocol
import LinuxSystem
import Synchronization

/// Every supervised driver of this host. Starting is asynchronous: the server accepts connections at once and
/// `/health/ready` says 503 until `anyReady`.
public final class DriverRegistry: Sendable {
    public let supervisors: [DriverSupervisor]
    let logger: Logger

    public init(
        drivers: [DriverDiscovery.Found], config: DriverSupervisorConfig = DriverSupervisorConfig(),
        logSink: Logger.Sink = .stderr
    ) {
        supervisors = drivers.map { DriverSupervisor(name: $0.name, path: $0.path, config: config, logSink: logSink) }
        logger = Logger("drivers", sink: logSink)
    }

    /// Discovers drivers in `directories`, then the defaults unless `includeDefaults` is false (see
    /// `DriverSearchPath`), and wraps them; call `start()` next.
    public convenience init(
        directories: [String], includeDefaults: Bool = true, config: DriverSupervisorConfig = DriverSupervisorConfig(),
        logSink: Logger.Sink = .stderr
    ) {
        let found = DriverDiscovery(
            directories: directories, includeDefaults: includeDefaults, logger: Logger("drivers", sink: logSink)
        ).discover()
        self.init(drivers: found, config: config, logSink: logSink)
    }

    /// Starts every supervisor concurrently and returns at once.
    public func start() {
        if supervisors.isEmpty { logger.warning("no drivers found; install codebeaker-driver-NAME executables") }
        for s in supervisors {
            logger.info("starting driver", ["name": s.name, "path": s.path])
            s.start()
        }
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
