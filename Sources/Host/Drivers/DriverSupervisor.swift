public import DriverProtocol
import Glibc
import LinuxSystem
import Synchronization

/// Keeps one driver executable running and talks to it: spawn, handshake, pings, request/response matching,
/// event routing, crash handling and restarts within a budget. The real `DriverClient`.
public final class DriverSupervisor: DriverClient, Sendable {
    typealias EventHandler = @Sendable (_ method: String, _ params: JSONValue) -> Void

    struct Pending {
        var method: String
        var onEvent: EventHandler?
        var continuation: CheckedContinuation<Result<JSONValue, DriverCallError>, Never>
        var timer: Task<Void, Never>?
        var cancelSent = false
    }

    struct State {
        var phase: DriverState = .starting
        var process: DriverProcess?
        var latch: ExitLatch?
        var generation = 0
        var pending: [Int: Pending] = [:]
        var nextId = 1
        var capabilities: DriverCapabilities?
        var driverName: String?
        var driverVersion: String?
        var protocolVersion: Int?
        var tracker: RestartTracker
        var lastError: String?
        var readySince: Double?
        /// Why the supervisor killed the current process (handshake timeout, missed pings, garbage), if it did.
        var killReason: String?
        /// `.stalled` when it was killed for missing pings (counted against the stall budget).
        var killCause: RestartTracker.Cause = .crashed
        /// When the current process last answered a ping (for how long it was healthy before a stall).
        var lastAnswer: Double?
        /// Set while failed: when the cool-down revives it (monotonic seconds), if it will.
        var reviveAt: Double?
        /// What `processExited` decided for the current generation; nil while it runs or when stopping.
        var exitDecision: RestartTracker.Decision?
        var handshakeDone = false
        var shuttingDown = false
        var started = false
        var runTask: Task<Void, Never>?
        var restartHandlers: [@Sendable () async -> Void] = []
        var sessionLostHandlers: [@Sendable (_ session: String, _ reason: String) async -> Void] = []
    }

    /// Wakes the supervision loop of a failed driver (`revive`).
    let reviveSignal = WakeSignal()

    public let name: String
    public let path: String
    let config: DriverSupervisorConfig
    let logger: Logger
    let state: Mutex<State>

    /// `name` is the driver's install name (`codebeaker-driver-<name>`); logs go to component `driver.<name>`.
    public init(
        name: String, path: String, config: DriverSupervisorConfig = DriverSupervisorConfig(),
        logSink: Logger.Sink = .stderr
    ) {
        self.name = name
        self.path = path
        self.config = config
        self.logger = Logger("driver.\(name)", sink: logSink)
        self.state = Mutex(State(tracker: RestartTracker(policy: config.restart)))
    }

    // MARK: - observing

    public var driverState: DriverState { state.withLock { $0.phase } }
    public var isReady: Bool { state.withLock { $0.phase == .ready } }
    public var capabilities: DriverCapabilities? { state.withLock { $0.capabilities } }
    public var restarts: Int { state.withLock { $0.tracker.total } }
    /// Which process incarnation answers calls now (1 for the first); a session opened on an older one must be
    /// re-opened after a restart, one opened on this one must not be opened again.
    public var generation: Int? { state.withLock { $0.generation } }
    public var lastError: String? { state.withLock { $0.lastError } }
    /// The running process's pid, or nil between processes.
    public var pid: Int32? {
        state.withLock { s in
            guard let p = s.process, s.latch?.value == nil else { return nil }
            return p.pid
        }
    }

    /// True once the driver has settled: ready, failed or unavailable (used by tests and `drivers list`).
    public var isSettled: Bool { state.withLock { $0.phase == .ready || $0.phase.isTerminal } }

    /// Registers a handler run after every successful restart, so the session layer can re-open its sessions
    /// (`session.open` with the old `handle`) in the new driver process.
    public func onRestart(_ handler: @escaping @Sendable () async -> Void) {
        state.withLock { $0.restartHandlers.append(handler) }
    }

    /// Registers a handler for `session.lost` (a session's runner died before it ran anything), so the session
    /// layer can discard a pooled sandbox instead of handing it out.
    public func onSessionLost(_ handler: @escaping @Sendable (_ session: String, _ reason: String) async -> Void) {
        state.withLock { $0.sessionLostHandlers.append(handler) }
    }

    /// The driver's health, for `/health/ready`, `initialize` and `codebeaker drivers list`.
    public func snapshot() -> JSONValue {
        state.withLock { s in
            var o = JSONObject()
            o["name"] = .string(name)
            o["path"] = .string(path)
            o["state"] = .string(s.phase.name)
            if let r = s.phase.reason { o["reason"] = .string(r) }
            if case .failed = s.phase, let at = s.reviveAt {
                o["reviveInSeconds"] = .int(Int(max(0, at - DriverClock.now()).rounded(.up)))
            }
            if case .unavailable(_, let hint) = s.phase { o["installHint"] = JSONValue(hint) }
            o["pid"] = (s.latch?.value == nil ? s.process?.pid : nil).map { JSONValue.int(Int($0)) } ?? .null
            o["restarts"] = .int(s.tracker.total)
            if let v = s.driverVersion { o["version"] = .string(v) }
            if let v = s.protocolVersion { o["protocolVersion"] = .int(v) }
            o["capabilities"] = s.capabilities?.json ?? .null
            o["lastError"] = JSONValue(s.lastError)
            return .object(o)
        }
    }

    /// Starts the supervision loop in the background; returns at once.
    public func start() {
        state.withLock { s in
            guard !s.started else { return }
            s.started = true
            s.runTask = Task { await self.run() }
        }
    }

    /// Waits until the driver is ready, failed or unavailable, or `timeout` seconds pass. True if settled.
    @discardableResult
    public func waitUntilSettled(timeout: Double) async -> Bool {
        let deadline = DriverClock.now() + timeout
        while !isSettled {
            if DriverClock.now() >= deadline || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}
