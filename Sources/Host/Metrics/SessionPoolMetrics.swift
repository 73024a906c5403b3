/// The sandbox pool's series (docs/metrics.md): ready and starting sandboxes per driver, hand-outs, misses by
/// reason and discards by reason. The session manager reports into it.
public struct SessionPoolMetrics: Sendable {
    public let ready: GaugeFamily
    public let starting: GaugeFamily
    public let hits: CounterFamily
    public let misses: CounterFamily
    public let discards: CounterFamily
    public let startFailures: CounterFamily

    init(registry: MetricsRegistry) {
        ready = registry.gauge(
            "codebeaker_session_pool_ready", help: "Pre-started sandboxes ready to hand out, by driver.",
            labels: ["driver"])
        starting = registry.gauge(
            "codebeaker_session_pool_starting", help: "Pre-started sandboxes being built, by driver.",
            labels: ["driver"])
        hits = registry.counter(
            "codebeaker_session_pool_hits_total",
            help: "Sessions (session.create, execution.run) that adopted a pre-started sandbox, by driver.",
            labels: ["driver"])
        misses = registry.counter(
            "codebeaker_session_pool_misses_total",
            help:
                "Sessions of a pooled driver that started cold, by reason (options: not servable by a pooled sandbox; empty; stale: the pooled ones were from a restarted driver).",
            labels: ["driver", "reason"])
        discards = registry.counter(
            "codebeaker_session_pool_discards_total",
            help:
                "Pre-started sandboxes removed without being used, by reason (driverRestarted, yieldToSessions, shutdown, resized).",
            labels: ["reason"])
        startFailures = registry.counter(
            "codebeaker_session_pool_start_failures_total",
            help: "Pre-started sandboxes that could not be built (workspace or session.open failed), by driver.",
            labels: ["driver"])
    }
}
