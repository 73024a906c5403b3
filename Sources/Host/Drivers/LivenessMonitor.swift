/// Whether a ready driver still answers its pings, as a pure state machine (times are injected): the ping loop
/// reports each answer and each miss and acts on what it returns. The first miss makes the driver
/// `unresponsive` (new calls fail fast instead of hanging); `maxMisses` misses in a row get it killed.
struct LivenessMonitor: Sendable, Equatable {
    enum Action: Sendable, Equatable {
        case none
        /// First miss: stop routing calls to it; `reason` is for the state and for callers.
        case unresponsive(reason: String)
        /// Answered again after being unresponsive.
        case recovered
        /// Too many misses: kill it (counted as a stall by the restart budget).
        case kill(reason: String)
    }

    let pingTimeout: Double
    let maxMisses: Int
    let readySince: Double
    /// When the last ping was answered (readySince until one is).
    private(set) var lastAnswer: Double
    private(set) var misses = 0

    init(pingTimeout: Double, maxMisses: Int, readySince: Double) {
        self.pingTimeout = pingTimeout; self.maxMisses = max(1, maxMisses); self.readySince = readySince
        self.lastAnswer = readySince
    }

    /// How long the driver was healthy: from ready to its last answered ping.
    var healthyFor: Double { lastAnswer - readySince }

    mutating func answered(now: Double) -> Action {
        lastAnswer = now
        defer { misses = 0 }
        return misses > 0 ? .recovered : .none
    }

    mutating func missed() -> Action {
        misses += 1
        let waited = "no ping reply in \(RestartTracker.format(Double(misses) * pingTimeout)) s"
        if misses >= maxMisses { return .kill(reason: waited) }
        return misses == 1 ? .unresponsive(reason: waited) : .none
    }
}
