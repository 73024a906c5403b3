/// Supervision timings from `CODEBEAKER_DRIVER_*` environment variables (seconds; see docs/configuration.md),
/// for operators with slow drivers and for tests that need a stall detected in a second, not half a minute.
extension DriverSupervisorConfig {
    public struct EnvironmentError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func fromEnvironment(_ env: [String: String]) throws(EnvironmentError) -> DriverSupervisorConfig {
        var c = DriverSupervisorConfig()
        func seconds(_ key: String, _ apply: (Double) -> Void) throws(EnvironmentError) {
            guard let raw = env["CODEBEAKER_DRIVER_" + key] else { return }
            guard let v = Double(raw), v > 0, v <= 86_400 else {
                throw EnvironmentError(
                    description: "CODEBEAKER_DRIVER_\(key) must be a number of seconds in (0, 86400], got \"\(raw)\"")
            }
            apply(v)
        }
        try seconds("PING_INTERVAL") { c.pingInterval = $0 }
        try seconds("PING_TIMEOUT") { c.pingTimeout = $0 }
        try seconds("STABLE_AFTER") { c.restart.stableAfter = $0 }
        if env["CODEBEAKER_DRIVER_REVIVE_AFTER"] == "never" {
            c.reviveFailedAfter = nil
        } else {
            try seconds("REVIVE_AFTER") { c.reviveFailedAfter = $0 }
        }
        try seconds("READY_WAIT") { c.readyWait = $0 }
        try seconds("SHUTDOWN_GRACE") { c.shutdownGrace = $0 }
        return c
    }
}
