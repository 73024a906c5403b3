import DriverProtocol
import Synchronization
public import Transport

/// The security layers behind one facade on plain values, for the session policy and the server to call.
/// Every `check…` either returns or throws an `RPCError` (`securityViolation` -32011 or rate limited
/// -32029) after writing an audit event and counting a metric. Validation and rate limiting can be
/// switched off at run time (`setValidation`, `setRateLimiting`) to measure their cost.
public final class SecurityLayer: Sendable {
    public let config: SecurityConfig
    public let metrics: CodeBeakerMetrics
    public let audit: AuditLog?
    public let authenticator: Authenticator
    let validator: InputValidator
    let clock: @Sendable () -> Double
    let validationOn: Atomic<Bool>
    let rateLimitOn: Atomic<Bool>
    let state: Mutex<State>

    struct State: Sendable {
        var limiter: RateLimiter
        /// Sessions whose policy differs from the server's (tightened at creation).
        var policies: [String: SessionPolicyState] = [:]
        var known: Set<String> = []
        /// Connections and sessions already rejected since their last admitted request: only the first
        /// rejection of a run is audited, so a flood cannot flood the audit log.
        var rejecting: Set<String> = []
    }

    struct SessionPolicyState: Sendable {
        var config: SecurityConfig
        var validator: InputValidator
    }

    /// - Parameters:
    ///   - audit: nil when audit logging is off.
    ///   - clock: monotonic seconds from any origin (tests inject their own).
    public init(
        config: SecurityConfig, metrics: CodeBeakerMetrics, audit: AuditLog?,
        clock: @escaping @Sendable () -> Double = SecurityLayer.monotonicSeconds
    ) {
        self.config = config
        self.metrics = metrics
        self.audit = config.enableAuditLogging ? audit : nil
        self.authenticator = Authenticator(tokens: config.tokens)
        self.validator = InputValidator(config: config)
        self.clock = clock
        self.validationOn = Atomic(config.enableInputValidation)
        self.rateLimitOn = Atomic(config.enableRateLimiting)
        self.state = Mutex(State(limiter: RateLimiter(config: config)))
    }

    /// Builds the layer and, if enabled, its audit log in `config.auditLogDirectory`.
    public static func make(config: SecurityConfig, metrics: CodeBeakerMetrics, logger: Logger = Logger("security"))
        -> SecurityLayer
    {
        let audit =
            config.enableAuditLogging
            ? AuditLog(
                directory: config.auditLogDirectory, retentionDays: config.auditLogRetentionDays,
                redactor: AuditRedactor(tokens: config.tokens.map(\.token)), failures: metrics.auditWriteFailures,
                logger: logger)
            : nil
        return SecurityLayer(config: config, metrics: metrics, audit: audit)
    }

    private static let origin = ContinuousClock.now
    public static let monotonicSeconds: @Sendable () -> Double = {
        let d = ContinuousClock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Writes what the audit log has queued and stops its writer. Call once at shutdown.
    public func shutdown() { audit?.close() }

    public var validationEnabled: Bool { validationOn.load(ordering: .relaxed) }
    public var rateLimitingEnabled: Bool { rateLimitOn.load(ordering: .relaxed) }
    /// Master switches for benchmarks and operators; off means off for every session.
    public func setValidation(_ on: Bool) { validationOn.store(on, ordering: .relaxed) }
    public func setRateLimiting(_ on: Bool) { rateLimitOn.store(on, ordering: .relaxed) }

    // MARK: Connections

    /// Authenticates an upgrade; a rejection is audited and counted as `kind="auth"`.
    public func shouldUpgrade(_ request: UpgradeRequest) -> UpgradeDecision {
        let decision = authenticator.decide(request)
        if case .reject(_, let reason) = decision {
            metrics.securityViolations.labels("auth").increment()
            audit?.record(
                .securityViolation, principal: "-", session: nil, outcome: .denied,
                details: ["rule": "auth", "message": .string(reason), "remoteAddress": .string(request.remoteAddress)])
        }
        return decision
    }

    public func connectionOpened() {
        metrics.websocketConnections.increment()
        metrics.websocketConnectionsTotal.increment()
    }

    public func connectionClosed(_ connection: UInt64) {
        metrics.websocketConnections.decrement()
        state.withLock { s in
            s.limiter.connectionClosed(connection)
            s.rejecting.remove("c\(connection)")
        }
    }

    /// One JSON-RPC request on a connection (token bucket). Call before dispatching the method.
    public func checkRequest(connection: UInt64, principal: String, method: String) throws(RPCError) {
        guard rateLimitingEnabled else { return }
        let now = clock()
        let key = "c\(connection)"
        let (rejection, first) = decide(key) { $0.limiter.admitRequest(connection: connection, now: now) }
        if let rejection {
            throw rateLimited(rejection, principal: principal, session: nil, attempted: method, audit: first)
        }
    }

    /// Counts a request by method and outcome ("ok" or the JSON-RPC error code). Pass a fixed method name
    /// ("unknown" for methods that do not exist) so clients cannot grow the label set.
    public func recordRequest(method: String, errorCode: Int?) {
        metrics.rpcRequests.labels(method, errorCode.map(String.init) ?? "ok").increment()
    }

    /// One limiter decision under the lock, and whether it starts a run of refusals under `key` (only the first
    /// refusal of a run is audited).
    func decide(_ key: String, _ check: (inout State) -> RateLimiter.Rejection?) -> (RateLimiter.Rejection?, Bool) {
        state.withLock { s in
            let r = check(&s)
            return (r, Self.noteRejection(&s, key: key, rejected: r != nil))
        }
    }

    static func noteRejection(_ s: inout State, key: String, rejected: Bool) -> Bool {
        if rejected { return s.rejecting.insert(key).inserted }
        s.rejecting.remove(key)
        return false
    }

    // MARK: Errors, audit and metrics for rejections

    func denied(_ v: Violation, principal: String, session: String?, attempted: AuditEventType, details: JSONObject)
        -> RPCError
    {
        metrics.securityViolations.labels(v.rule).increment()
        var d = details
        d["rule"] = .string(v.rule)
        d["message"] = .string(v.message)
        d["attempted"] = .string(attempted.rawValue)
        audit?.record(
            v.kind == .security ? .securityViolation : .inputValidationFailure, principal: principal, session: session,
            outcome: .denied, details: d)
        return .securityViolation(rule: v.rule, v.message)
    }

    func rateLimited(
        _ r: RateLimiter.Rejection, principal: String, session: String?, attempted: String, audit shouldAudit: Bool
    ) -> RPCError {
        metrics.rateLimitExceeded.increment()
        var data: JSONObject = ["rule": .string(r.rule)]
        if let ms = r.retryAfterMs { data["retryAfterMs"] = .int(ms) }
        if shouldAudit {
            var d = data
            d["message"] = .string(r.message)
            d["attempted"] = .string(attempted)
            audit?.record(.rateLimitExceeded, principal: principal, session: session, outcome: .denied, details: d)
        }
        return RPCError(code: -32029, message: r.message, data: .object(data))
    }
}
