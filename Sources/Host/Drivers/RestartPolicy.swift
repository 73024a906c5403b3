/// How hard the supervisor tries to keep a crashing driver alive: capped exponential backoff and a budget of
/// restarts within a sliding window, reset once a driver has stayed up for `stableAfter` seconds.
/// (The defaults follow jupyter_client: 5 restarts, stable after 10 s.) The first restart after a stable run comes
/// after `firstDelay`, so a one-off crash costs users little; repeated crashes back off from `baseDelay`.
/// A driver killed for not answering pings takes long to detect, so such stalls have a budget of their own:
/// `stallBudget` stalls in a row with no healthy stretch of `stableAfter` seconds between them and it is failed.
public struct RestartPolicy: Sendable, Equatable {
    public var firstDelay: Double
    public var baseDelay: Double
    public var maxDelay: Double
    public var budget: Int
    public var window: Double
    public var stableAfter: Double
    public var stallBudget: Int

    public init(
        firstDelay: Double = 0.1, baseDelay: Double = 0.5, maxDelay: Double = 30, budget: Int = 5,
        window: Double = 60, stableAfter: Double = 10, stallBudget: Int = 3
    ) {
        self.firstDelay = firstDelay; self.baseDelay = baseDelay; self.maxDelay = maxDelay; self.budget = budget
        self.window = window; self.stableAfter = stableAfter; self.stallBudget = stallBudget
    }
}
