/// Timing and limits of driver supervision. The defaults are the documented ones; tests shrink them.
public struct DriverSupervisorConfig: Sendable {
    /// A driver that does not answer `handshake` within this is killed and counts as a crash.
    public var handshakeTimeout: Double = 10
    /// Seconds between pings to a ready driver (after a miss the next ping goes out at once).
    public var pingInterval: Double = 5
    /// A ping not answered within this is a miss. The first miss makes the driver `unresponsive`: calls fail
    /// fast instead of hanging on it.
    public var pingTimeout: Double = 10
    /// Consecutive missed pings after which the driver is killed and restarted (a stall, see `RestartPolicy`).
    public var maxMissedPings = 2
    public var restart = RestartPolicy()
    /// How long a call made while the driver is (re)starting waits for it to become ready.
    public var readyWait: Double = 10
    /// Host-side deadline for a call whose params carry `timeoutMs`: that plus this grace.
    public var callGrace: Double = 30
    /// Host-side deadline for calls without `timeoutMs`.
    public var defaultCallTimeout: Double = 300
    /// After a `cancel`, how long the driver has to answer the cancelled call before the host gives up on it.
    public var cancelGrace: Double = 5
    /// A driver that reported its runtime unavailable is started again after this long to check whether the
    /// runtime has been installed meanwhile (nil: never). Not counted as a restart.
    public var recheckUnavailableAfter: Double? = 60
    /// A failed driver (budget spent, version mismatch) is revived after this cool-down with a fresh restart
    /// budget (nil: only by SIGHUP). A binary replaced meanwhile is picked up.
    public var reviveFailedAfter: Double? = 600
    /// `shutdown()`: wait this long after closing stdin before SIGTERM, and again before SIGKILL.
    public var shutdownGrace: Double = 2
    /// Extra arguments and environment for the driver process (tests use these to pick a fake driver's mode).
    public var arguments: [String] = []
    public var environment: [String: String] = [:]
    public var maxLineBytes = 32 * 1024 * 1024

    public init() {}
}
