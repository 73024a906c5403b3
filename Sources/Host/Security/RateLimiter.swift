/// Layer 2, pure: every method takes `now` (monotonic seconds) and returns a rejection or nil.
/// - a token bucket per connection (requests per second with a burst);
/// - a sliding window per session (executions per minute) and a lifetime cap per session;
/// - a cap on concurrent sessions per principal (reserve on create, bind on success, release on close).
/// Memory is bounded: closed keys are dropped, and a sweep every `sweepInterval` forgets full buckets
/// and sessions idle for longer than `sessionIdleTTL`.
public struct RateLimiter: Sendable {
    public struct Rejection: Sendable, Equatable, Error {
        public var rule: String
        public var message: String
        /// Nil when waiting does not help (a lifetime cap).
        public var retryAfterMs: Int?
    }

    public enum Rule: Sendable {
        public static let requestsPerSecond = "requestsPerSecond"
        public static let executionsPerMinute = "executionsPerMinute"
        public static let maxExecutionsPerSession = "maxExecutionsPerSession"
        public static let sessionsPerPrincipal = "maxSessionsPerPrincipal"
        public static let principalExecutionsPerMinute = "principalExecutionsPerMinute"
        public static let principalFileCommandsPerMinute = "principalFileCommandsPerMinute"
    }

    struct SessionUsage: Sendable {
        var principal: String?
        var window = SlidingWindowLog()
        var total = 0
        var lastUsed: Double
    }

    public var requestsPerSecond: Double
    public var requestBurst: Int
    public var maxSessionsPerPrincipal: Int
    /// Per principal, over all its sessions (and `execution.run`, which makes a session per call).
    public var principalExecutionsPerMinute: Int
    public var principalFileCommandsPerMinute: Int
    public var sessionIdleTTL: Double = 86_400
    public var reservationTTL: Double = 300
    public var sweepInterval: Double = 10
    public static let window: Double = 60

    private(set) var connections: [UInt64: TokenBucket] = [:]
    private(set) var sessions: [String: SessionUsage] = [:]
    private(set) var principals: [String: PrincipalUsage] = [:]
    /// Sliding windows per principal: executions and file commands of the last 60 s.
    private(set) var principalExecutions: [String: SlidingWindowLog] = [:]
    private(set) var principalFiles: [String: SlidingWindowLog] = [:]
    private var lastSweep: Double = -.infinity

    public init(config: SecurityConfig) {
        requestsPerSecond = config.requestsPerSecond
        requestBurst = config.requestBurst
        maxSessionsPerPrincipal = config.maxSessionsPerPrincipal
        principalExecutionsPerMinute = config.principalExecutionsPerMinute
        principalFileCommandsPerMinute = config.principalFileCommandsPerMinute
    }

    /// Keys currently tracked (connections, sessions, principals), for tests and a memory gauge.
    public var trackedKeys: Int {
        connections.count + sessions.count + principals.count + principalExecutions.count + principalFiles.count
    }

    // MARK: Requests per connection

    public mutating func admitRequest(connection: UInt64, now: Double) -> Rejection? {
        sweepIfDue(now: now)
        var bucket =
            connections[connection] ?? TokenBucket(capacity: Double(requestBurst), rate: requestsPerSecond, now: now)
        let wait = bucket.take(now: now)
        connections[connection] = bucket
        guard let wait else { return nil }
        return Rejection(
            rule: Rule.requestsPerSecond,
            message:
                "too many requests on this connection (limit \(Self.format(requestsPerSecond))/s, burst \(requestBurst)); retry in \(Self.ms(wait)) ms",
            retryAfterMs: Self.ms(wait))
    }

    public mutating func connectionClosed(_ connection: UInt64) { connections[connection] = nil }

    // MARK: Sessions per principal

    /// Open sessions of a principal, plus slots reserved by creations still under way. A reservation that
    /// is neither bound nor released within `reservationTTL` lapses, so a creation path that forgets
    /// `releaseReservation` cannot lock a principal out.
    struct PrincipalUsage: Sendable {
        var open = 0
        var pending: [Double] = []
        var total: Int { open + pending.count }
    }

    /// Reserves a session slot for `principal` before the session is created. With `enforce` false the slot
    /// is counted but never refused (rate limiting switched off), so counts stay right if it is switched on.
    public mutating func reserveSession(principal: String, now: Double, enforce: Bool = true) -> Rejection? {
        sweepIfDue(now: now)
        var usage = principals[principal] ?? PrincipalUsage()
        usage.pending.removeAll { now - $0 > reservationTTL }
        if enforce && usage.total >= maxSessionsPerPrincipal {
            principals[principal] = usage.total > 0 ? usage : nil
            return Rejection(
                rule: Rule.sessionsPerPrincipal,
                message:
                    "\(principal) already has \(usage.total) open sessions (limit \(maxSessionsPerPrincipal)); close one first",
                retryAfterMs: nil)
        }
        usage.pending.append(now)
        principals[principal] = usage
        return nil
    }

    /// Gives back a reservation whose session was never created.
    public mutating func releaseReservation(principal: String) {
        guard var usage = principals[principal], !usage.pending.isEmpty else { return }
        usage.pending.removeFirst()
        principals[principal] = usage.total > 0 ? usage : nil
    }

    /// Binds a reserved slot (if any) to the new session; closing the session frees it. Idempotent.
    public mutating func sessionOpened(_ session: String, principal: String, now: Double) {
        var s = sessions.removeValue(forKey: session) ?? SessionUsage(lastUsed: now)
        defer { sessions[session] = s }
        guard s.principal == nil else { return }
        s.principal = principal
        var usage = principals[principal] ?? PrincipalUsage()
        if !usage.pending.isEmpty { usage.pending.removeFirst() }
        usage.open += 1
        principals[principal] = usage
    }

    public mutating func sessionClosed(_ session: String) {
        guard let usage = sessions.removeValue(forKey: session), let p = usage.principal else { return }
        closeSlot(of: p)
    }

    private mutating func closeSlot(of principal: String) {
        guard var usage = principals[principal] else { return }
        usage.open = max(0, usage.open - 1)
        principals[principal] = usage.total > 0 ? usage : nil
    }

    // MARK: Executions per session

    /// Counts one execution (code, shell or install) in `session` against the session's limits and, given
    /// `principal`, against the principal's. Every limit is checked before anything is recorded, so a
    /// refused execution counts nowhere.
    public mutating func admitExecution(
        session: String, principal: String? = nil, perMinute: Int, maxTotal: Int, now: Double
    ) -> Rejection? {
        sweepIfDue(now: now)
        // Taken out and put back so the window's array is uniquely referenced and appends do not copy it.
        var usage = sessions.removeValue(forKey: session) ?? SessionUsage(lastUsed: now)
        defer { sessions[session] = usage }
        usage.lastUsed = now
        if usage.total >= maxTotal {
            return Rejection(
                rule: Rule.maxExecutionsPerSession,
                message: "this session has used all of its \(maxTotal) executions; create a new session",
                retryAfterMs: nil)
        }
        if let wait = usage.window.check(now: now, limit: perMinute, window: Self.window) {
            return Rejection(
                rule: Rule.executionsPerMinute,
                message: "more than \(perMinute) executions per minute in this session; retry in \(Self.ms(wait)) ms",
                retryAfterMs: Self.ms(wait))
        }
        if let principal {
            var w = principalExecutions.removeValue(forKey: principal) ?? SlidingWindowLog()
            defer { principalExecutions[principal] = w.count > 0 ? w : nil }
            if let wait = w.check(now: now, limit: principalExecutionsPerMinute, window: Self.window) {
                return principalExecutionRejection(principal, wait: wait)
            }
            w.record(now: now)
        }
        usage.window.record(now: now)
        usage.total += 1
        return nil
    }

    /// Whether one more execution of `principal` would fit its window now (records nothing).
    public mutating func checkPrincipalExecution(principal: String, now: Double) -> Rejection? {
        guard var w = principalExecutions[principal] else { return nil }
        defer { principalExecutions[principal] = w.count > 0 ? w : nil }
        guard let wait = w.check(now: now, limit: principalExecutionsPerMinute, window: Self.window) else { return nil }
        return principalExecutionRejection(principal, wait: wait)
    }

    private func principalExecutionRejection(_ principal: String, wait: Double) -> Rejection {
        Rejection(
            rule: Rule.principalExecutionsPerMinute,
            message:
                "\(principal) ran more than \(principalExecutionsPerMinute) executions in the last minute (all sessions and execution.run together); retry in \(Self.ms(wait)) ms",
            retryAfterMs: Self.ms(wait))
    }

    /// Counts one file command of `principal` (all its sessions together).
    public mutating func admitFileCommand(principal: String, now: Double) -> Rejection? {
        sweepIfDue(now: now)
        var w = principalFiles.removeValue(forKey: principal) ?? SlidingWindowLog()
        defer { principalFiles[principal] = w.count > 0 ? w : nil }
        if let wait = w.admit(now: now, limit: principalFileCommandsPerMinute, window: Self.window) {
            return Rejection(
                rule: Rule.principalFileCommandsPerMinute,
                message:
                    "\(principal) ran more than \(principalFileCommandsPerMinute) file commands in the last minute; retry in \(Self.ms(wait)) ms",
                retryAfterMs: Self.ms(wait))
        }
        return nil
    }

    // MARK: Eviction

    public mutating func sweepIfDue(now: Double) {
        guard now - lastSweep >= sweepInterval else { return }
        lastSweep = now
        connections = connections.filter { !$0.value.isFull(now: now) }
        for key in Array(principals.keys) {
            guard var usage = principals[key] else { continue }
            usage.pending.removeAll { now - $0 > reservationTTL }
            principals[key] = usage.total > 0 ? usage : nil
        }
        Self.prune(&principalExecutions, now: now)
        Self.prune(&principalFiles, now: now)
        for key in Array(sessions.keys) {
            guard var usage = sessions.removeValue(forKey: key) else { continue }
            if now - usage.lastUsed > sessionIdleTTL {
                if let p = usage.principal { closeSlot(of: p) }
            } else {
                usage.window.prune(now: now, window: Self.window)
                sessions[key] = usage
            }
        }
    }

    private static func prune(_ windows: inout [String: SlidingWindowLog], now: Double) {
        for key in Array(windows.keys) {
            guard var w = windows.removeValue(forKey: key) else { continue }
            w.prune(now: now, window: window)
            if w.count > 0 { windows[key] = w }
        }
    }

    static func ms(_ seconds: Double) -> Int { max(1, Int((seconds * 1000).rounded(.up))) }
    static func format(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }
}
