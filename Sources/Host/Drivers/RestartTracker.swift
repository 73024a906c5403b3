import Foundation

/// The restart decision as a pure state machine: feed it each exit with the current monotonic time and how long
/// the driver had been up, and it says when to restart or that the budget is spent. No clocks, no sleeping.
public struct RestartTracker: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        case restart(afterSeconds: Double)
        case giveUp(reason: String)
    }

    public let policy: RestartPolicy
    /// Times of the restarts still inside the window.
    public private(set) var recent: [Double] = []
    /// Crashes since the driver was last stable; drives the backoff exponent.
    public private(set) var consecutive = 0
    /// Every restart ever scheduled, for the health snapshot.
    public private(set) var total = 0

    public init(policy: RestartPolicy = RestartPolicy()) { self.policy = policy }

    /// `upFor` is how long the process had been ready (0 if it never got ready); `reason` is why it ended.
    public mutating func exited(now: Double, upFor: Double, reason: String) -> Decision {
        if upFor >= policy.stableAfter {
            consecutive = 0
            recent.removeAll()
        }
        recent.removeAll { now - $0 >= policy.window }
        if recent.count >= policy.budget {
            return .giveUp(reason: "\(reason); gave up after \(recent.count) restarts within \(Self.format(policy.window)) s")
        }
        let delay = consecutive == 0 ? min(policy.firstDelay, policy.maxDelay)
            : min(policy.maxDelay, policy.baseDelay * pow(2, Double(min(consecutive - 1, 60))))
        consecutive += 1
        total += 1
        recent.append(now)
        return .restart(afterSeconds: delay)
    }

    static func format(_ seconds: Double) -> String {
        let r = (seconds * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
