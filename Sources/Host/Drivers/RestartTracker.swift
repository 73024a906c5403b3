import FoundationEssentials
import Glibc

/// The restart decision as a pure state machine: feed it each exit with the current monotonic time and how long
/// the driver had been healthy, and it says when to restart or that the budget is spent. No clocks, no sleeping.
public struct RestartTracker: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        case restart(afterSeconds: Double)
        case giveUp(reason: String)
    }

    /// Why a process ended, as far as the budget cares.
    public enum Cause: Sendable, Equatable {
        /// It exited or was killed for a protocol fault (handshake timeout, garbage on stdout).
        case crashed
        /// The supervisor killed it because it stopped answering pings.
        case stalled
    }

    public let policy: RestartPolicy
    /// Times of the restarts still inside the window.
    public private(set) var recent: [Double] = []
    /// Crashes since the driver was last stable; drives the backoff exponent.
    public private(set) var consecutive = 0
    /// Stall kills since the driver was last healthy for `stableAfter` seconds.
    public private(set) var stalls = 0
    /// Every restart ever scheduled, for the health snapshot.
    public private(set) var total = 0

    public init(policy: RestartPolicy = RestartPolicy()) { self.policy = policy }

    /// `upFor` is how long the process was healthy: ready until it exited for a crash, ready until its last
    /// answered ping for a stall (0 if it never got that far). `reason` is why it ended.
    public mutating func exited(now: Double, upFor: Double, reason: String, cause: Cause = .crashed) -> Decision {
        if upFor >= policy.stableAfter {
            consecutive = 0
            stalls = 0
            recent.removeAll()
        }
        if cause == .stalled {
            // A stall takes tens of seconds to detect, so the restart window alone would never fill up.
            stalls += 1
            if stalls >= policy.stallBudget {
                return .giveUp(reason: "\(reason); gave up after \(stalls) unresponsive restarts in a row")
            }
        }
        recent.removeAll { now - $0 >= policy.window }
        if recent.count >= policy.budget {
            return .giveUp(
                reason: "\(reason); gave up after \(recent.count) restarts within \(Self.format(policy.window)) s")
        }
        let delay =
            consecutive == 0
            ? min(policy.firstDelay, policy.maxDelay)
            : min(policy.maxDelay, policy.baseDelay * pow(2, Double(min(consecutive - 1, 60))))
        consecutive += 1
        total += 1
        recent.append(now)
        return .restart(afterSeconds: delay)
    }

    /// A failed driver is given a fresh budget (operator revive or cool-down); `total` keeps counting.
    public mutating func revive() {
        recent.removeAll()
        consecutive = 0
        stalls = 0
    }

    static func format(_ seconds: Double) -> String {
        let r = (seconds * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
