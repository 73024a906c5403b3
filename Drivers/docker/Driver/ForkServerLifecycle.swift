/// The Python fork server's lifecycle as a pure state machine (ForkServerState drives it with the real events).
/// One rule beyond the obvious: a server found gone by an 'F' run ("unavailable") is still a run in cb-runner
/// until its 'X' arrives, and cb-runner removes that run's staged script (always the same path) at its end. A
/// replacement started before that end would have its script removed under it, fail with python's exit 2,
/// and with no further execution nobody would start another. So a start asked for while the old server is
/// gone-but-not-ended waits, and is made when the old one's end is seen.
struct ForkServerLifecycle: Equatable {
    enum Phase: Equatable {
        case idle
        case starting(generation: Int)
        case ready(generation: Int)
        /// An 'F' run found no server; its run (`generation`) has not ended yet.
        case gone(generation: Int)
    }

    static let maxFailures = 3
    private(set) var phase = Phase.idle
    /// Consecutive ends without ever becoming ready.
    private(set) var failures = 0
    private(set) var generation = 0
    /// A start was asked for while the old server was gone but not ended: made at that end.
    private(set) var restartWanted = false

    var isReady: Bool { if case .ready = phase { return true } else { return false } }

    /// An execution wants a server: the generation to launch now, or nil (one runs or starts, the old one
    /// has not ended yet, or it failed too often).
    mutating func requestStart() -> Int? {
        switch phase {
        case .gone:
            restartWanted = true
            return nil
        case .starting, .ready:
            return nil
        case .idle:
            guard failures < Self.maxFailures else { return nil }
            return launch()
        }
    }

    /// The server of `generation` printed "ready".
    mutating func sawReady(_ generation: Int) {
        guard phase == .starting(generation: generation) else { return }
        phase = .ready(generation: generation)
        failures = 0
    }

    /// An 'F' run found no server listening.
    mutating func markGone() {
        guard case .ready(let g) = phase else { return }
        phase = .gone(generation: g)
    }

    /// The run of `generation` ended (cb-runner's 'X': its script is removed). Returns a generation to launch
    /// now when a start was waiting for this end.
    mutating func ended(_ generation: Int) -> Int? {
        switch phase {
        case .starting(let g) where g == generation, .ready(let g) where g == generation:
            phase = .idle
            failures += 1
            return nil
        case .gone(let g) where g == generation:
            // A server that was ready and then killed (by user code) is not a failed start.
            phase = .idle
            guard restartWanted else { return nil }
            restartWanted = false
            return failures < Self.maxFailures ? launch() : nil
        default:
            return nil  // an older generation's late end
        }
    }

    private mutating func launch() -> Int {
        generation += 1
        phase = .starting(generation: generation)
        return generation
    }
}
