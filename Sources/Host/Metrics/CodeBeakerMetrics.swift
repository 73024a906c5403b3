/// The server's predefined metrics, registered once. Everything that reports a metric takes this object.
public final class CodeBeakerMetrics: Sendable {
    public let registry: MetricsRegistry
    /// {language, runtime, outcome}; outcome is success, failure, timeout, cancelled, rejected or error.
    public let executions: CounterFamily
    public let executionDuration: HistogramFamily
    public let activeSessions: Gauge
    /// {kind}: the validator rule that fired (blockedPattern, forkBomb, codeLength, path.traversal, ...).
    public let securityViolations: CounterFamily
    public let rateLimitExceeded: Counter
    public let driverUp: GaugeFamily
    public let driverRestarts: CounterFamily
    public let websocketConnections: Gauge
    public let websocketConnectionsTotal: Counter
    public let rpcRequests: CounterFamily
    public let auditWriteFailures: Counter
    /// Free bytes on the workspace root's filesystem, and each workspace's quota (0: no quota), set at scrape.
    public let workspaceDiskFree: Gauge
    public let workspaceQuota: Gauge
    /// The pre-started sandbox pool.
    public let pool: SessionPoolMetrics

    public static let durationBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
    ]

    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        executions = registry.counter(
            "codebeaker_executions_total",
            help: "Executions (code, shell, package installs) by language, runtime and outcome.",
            labels: ["language", "runtime", "outcome"])
        executionDuration = registry.histogram(
            "codebeaker_execution_duration_seconds", help: "Wall-clock duration of executions in seconds.",
            buckets: Self.durationBuckets)
        activeSessions = registry.gauge("codebeaker_active_sessions", help: "Sessions currently open.").labels([])
        securityViolations = registry.counter(
            "codebeaker_security_violations_total",
            help: "Requests rejected by input validation or the security policy, by rule.", labels: ["kind"])
        rateLimitExceeded = registry.counter(
            "codebeaker_rate_limit_exceeded_total", help: "Requests rejected by a rate limit."
        ).labels([])
        driverUp = registry.gauge(
            "codebeaker_driver_up", help: "1 if the driver process is running and answered its handshake, else 0.",
            labels: ["driver"])
        driverRestarts = registry.counter(
            "codebeaker_driver_restarts_total", help: "Driver process restarts.", labels: ["driver"])
        websocketConnections = registry.gauge(
            "codebeaker_websocket_connections", help: "WebSocket connections currently open."
        ).labels([])
        websocketConnectionsTotal = registry.counter(
            "codebeaker_websocket_connections_total", help: "WebSocket connections accepted since start."
        ).labels([])
        rpcRequests = registry.counter(
            "codebeaker_rpc_requests_total", help: "JSON-RPC requests by method and outcome (ok or the error code).",
            labels: ["method", "outcome"])
        auditWriteFailures = registry.counter(
            "codebeaker_audit_write_failures_total",
            help: "Audit events that could not be written (disk full, directory gone, queue full)."
        ).labels([])
        workspaceDiskFree = registry.gauge(
            "codebeaker_workspace_disk_free_bytes",
            help: "Free bytes on the filesystem that holds the session workspaces."
        ).labels([])
        workspaceQuota = registry.gauge(
            "codebeaker_workspace_quota_bytes", help: "Disk quota of one session workspace in bytes (0: none enforced)."
        ).labels([])
        pool = SessionPoolMetrics(registry: registry)
    }

    /// The exposition text for `GET /metrics`.
    public func render() -> String { PrometheusText.render(registry) }

    /// Records one finished execution in both the counter and the histogram. Language and runtime are
    /// folded into known values (`MetricLabel`), so clients cannot grow the series.
    public func recordExecution(language: String, runtime: String, outcome: String, seconds: Double) {
        executions.labels(MetricLabel.language(language), MetricLabel.plain(runtime), MetricLabel.plain(outcome))
            .increment()
        executionDuration.labels([]).observe(seconds)
    }
}
