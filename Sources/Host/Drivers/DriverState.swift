import DriverProtocol

/// Where a supervised driver is in its life, as shown in `/health/ready`, `initialize` and `drivers list`.
public enum DriverState: Sendable, Equatable {
    /// Spawned for the first time, handshake not answered yet.
    case starting
    /// Handshake done, runtime available, answering pings.
    case ready
    /// Crashed or was killed for not answering; a new process is coming after the backoff delay.
    case restarting
    /// Ready, but it missed a ping: calls fail fast until it answers again or is killed and restarted.
    case unresponsive(reason: String)
    /// Given up on: restart budget spent, protocol version mismatch, invalid capabilities, or shut down.
    /// Revived by SIGHUP or after the cool-down (`DriverSupervisorConfig.reviveFailedAfter`).
    case failed(reason: String)
    /// The driver runs but its runtime is missing (no `deno` on PATH); not restarted.
    case unavailable(reason: String, installHint: String?)

    public var name: String {
        switch self {
        case .starting: return "starting"
        case .ready: return "ready"
        case .restarting: return "restarting"
        case .unresponsive: return "unresponsive"
        case .failed: return "failed"
        case .unavailable: return "unavailable"
        }
    }

    /// True for states the supervisor never leaves on its own.
    public var isTerminal: Bool {
        switch self {
        case .failed, .unavailable: return true
        default: return false
        }
    }

    public var reason: String? {
        switch self {
        case .failed(let r): return r
        case .unresponsive(let r): return r
        case .unavailable(let r, _): return r
        default: return nil
        }
    }
}
