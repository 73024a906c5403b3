/// The pool of pre-started sandboxes as a pure state machine (times injected, in seconds). Per driver it
/// holds ready entries (opened, never used) and counts starts in flight; the session manager does the I/O.
///
/// Rules it enforces: an entry is handed out once (removed as it is taken); an entry opened on another
/// driver generation is never handed out; at most `maxParallelStarts` starts run at once, none while
/// `paused` (cold starts of real sessions go first) and none beyond `headroom` (the server's session,
/// uid and memory limits: pooled sandboxes yield to real sessions); a driver whose starts fail backs off.
struct SessionPool<Entry: Sendable>: Sendable {
    struct Pooled: Sendable {
        let entry: Entry
        let driver: String
        let generation: Int?
        let readyAt: Double
    }

    enum Miss: String, Sendable, CaseIterable {
        /// Options a pooled sandbox cannot serve (network, limits, env, image, stateful...).
        case options
        /// The pool for that driver is empty (drained, still filling, or backing off).
        case empty
        /// Entries were there but from a driver process that has since restarted (they were discarded).
        case stale
    }

    enum Discard: String, Sendable, CaseIterable {
        case driverRestarted, yieldToSessions, shutdown, resized
        /// Its runner died before any session had it (`session.lost`).
        case runnerDied
    }

    enum Opened: Equatable, Sendable {
        case pooled
        case discard(Discard)
    }

    /// Ready entries each driver keeps (0 or missing: no pool for it).
    let targets: [String: Int]
    let maxParallelStarts: Int
    let backoffSeconds: Double
    let maxBackoffSeconds: Double
    private(set) var ready: [String: [Pooled]] = [:]
    private(set) var starting: [String: Int] = [:]
    private var failures: [String: Int] = [:]
    private var retryAt: [String: Double] = [:]
    private(set) var isShutDown = false

    init(targets: [String: Int], maxParallelStarts: Int = 1, backoffSeconds: Double = 1, maxBackoffSeconds: Double = 60)
    {
        self.targets = targets.filter { $0.value > 0 }
        self.maxParallelStarts = max(1, maxParallelStarts)
        self.backoffSeconds = backoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
    }

    var isEnabled: Bool { !targets.isEmpty }
    func target(_ driver: String) -> Int { targets[driver] ?? 0 }
    func readyCount(_ driver: String) -> Int { ready[driver]?.count ?? 0 }
    var readyTotal: Int { ready.values.reduce(0) { $0 + $1.count } }
    var startingTotal: Int { starting.values.reduce(0, +) }
    /// Sandboxes the pool holds or is building.
    var total: Int { readyTotal + startingTotal }

    /// Takes the oldest ready entry of `driver` opened on `generation`. Entries of another generation are
    /// removed and returned to be discarded. The miss reason is nil on a hit, and nil when `driver` has no pool.
    mutating func take(driver: String, generation: Int?) -> (hit: Pooled?, miss: Miss?, discarded: [Pooled]) {
        guard target(driver) > 0 else { return (nil, nil, []) }
        let all = ready[driver] ?? []
        let stale = all.filter { $0.generation != generation }
        var fresh = all.filter { $0.generation == generation }
        if fresh.isEmpty {
            ready[driver] = nil
            return (nil, stale.isEmpty ? .empty : .stale, stale)
        }
        let hit = fresh.removeFirst()
        ready[driver] = fresh.isEmpty ? nil : fresh
        return (hit, nil, stale)
    }

    /// Drivers to start one entry for now (each counted as starting): below target, not backing off, within
    /// the parallelism and `headroom` (sandboxes the server's limits still allow beyond live sessions and
    /// this pool). Nothing while `paused` or after shutdown.
    mutating func plan(now: Double, readyDrivers: Set<String>, headroom: Int, paused: Bool) -> [String] {
        guard !isShutDown, !paused else { return [] }
        var room = min(maxParallelStarts - startingTotal, headroom)
        var out: [String] = []
        var progress = true
        while room > 0 && progress {  // round-robin, so one driver does not fill before the others start
            progress = false
            for name in targets.keys.sorted() where room > 0 && readyDrivers.contains(name) {
                guard readyCount(name) + (starting[name] ?? 0) < target(name) else { continue }
                if let t = retryAt[name], now < t { continue }
                starting[name, default: 0] += 1
                out.append(name)
                room -= 1
                progress = true
            }
        }
        return out
    }

    /// A start finished with an open sandbox. `refuse` says why the caller knows it must not be kept (the
    /// server's limits no longer leave room, the driver restarted meanwhile); then it is to be discarded.
    mutating func opened(_ entry: Entry, driver: String, generation: Int?, now: Double, refuse: Discard? = nil)
        -> Opened
    {
        finishStart(driver)
        failures[driver] = nil
        retryAt[driver] = nil
        if isShutDown { return .discard(.shutdown) }
        if let refuse { return .discard(refuse) }
        if readyCount(driver) >= target(driver) { return .discard(.resized) }
        ready[driver, default: []].append(Pooled(entry: entry, driver: driver, generation: generation, readyAt: now))
        return .pooled
    }

    /// A start failed: the driver backs off, doubling up to `maxBackoffSeconds`.
    mutating func failed(driver: String, now: Double) {
        finishStart(driver)
        let n = (failures[driver] ?? 0) + 1
        failures[driver] = n
        retryAt[driver] = now + min(maxBackoffSeconds, backoffSeconds * Double(1 << min(n - 1, 20)))
    }

    /// A planned start did not begin (no uid or memory left): no backoff, it is tried again later.
    mutating func cancelled(driver: String) { finishStart(driver) }

    /// The oldest ready entry of any driver, removed (a real session needs its uid, memory or place).
    mutating func evictOldest() -> Pooled? {
        guard let (name, list) = ready.min(by: { $0.value[0].readyAt < $1.value[0].readyAt }) else { return nil }
        var rest = list
        let first = rest.removeFirst()
        ready[name] = rest.isEmpty ? nil : rest
        return first
    }

    /// The ready entry of `driver` that `matches`, removed (its runner died: it is discarded, never handed out).
    mutating func remove(driver: String, where matches: (Entry) -> Bool) -> Pooled? {
        guard var list = ready[driver], let i = list.firstIndex(where: { matches($0.entry) }) else { return nil }
        let p = list.remove(at: i)
        ready[driver] = list.isEmpty ? nil : list
        return p
    }

    /// Every ready entry of `driver`, removed (it restarted: they died with it).
    mutating func removeAll(driver: String) -> [Pooled] { ready.removeValue(forKey: driver) ?? [] }

    /// Stops all starts and returns every ready entry; starts in flight are discarded when they finish.
    mutating func shutdown() -> [Pooled] {
        isShutDown = true
        defer { ready = [:] }
        return ready.keys.sorted().flatMap { ready[$0]! }
    }

    private mutating func finishStart(_ driver: String) {
        guard let n = starting[driver] else { return }
        starting[driver] = n > 1 ? n - 1 : nil
    }
}
