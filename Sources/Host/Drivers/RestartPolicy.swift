/// How hard the supervisor tries to keep a crashing driver alive: capped exponential backoff and a budget of
/// restarts within a sliding window, reset once a driver has stayed up for `stableAfter` seconds.
/// (The defaults follow jupyter_client: 5 restarts, stable after 10 s.) The first restart after a stable run comes
/// after `firstDelay`, so a one-off crash costs users little; repeated crashes back off from `baseDelay`.
public struct RestartPolicy: Sendable, Equatable {
    public var firstDelay: Double
    public var baseDelay: Double
    public var maxDelay: Double
    public var budget: Int
    public var window: Double
    public var stableAfter: Double

    public init(firstDelay: Double = 0.1, baseDelay: Double = 0.5, maxDelay: Double = 30, budget: Int = 5,
                window: Double = 60, stableAfter: Double = 10) {
        self.firstDelay = firstDelay; self.baseDelay = baseDelay; self.maxDelay = maxDelay; self.budget = budget
        self.window = window; self.stableAfter = stableAfter
    }
}
