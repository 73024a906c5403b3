import Testing

@testable import Host

@Suite struct RateLimitTests {
    func limiter(rps: Double = 100, burst: Int = 200, sessions: Int = 20) -> RateLimiter {
        var c = SecurityConfig()
        c.requestsPerSecond = rps; c.requestBurst = burst; c.maxSessionsPerPrincipal = sessions
        return RateLimiter(config: c)
    }

    @Test func tokenBucket_AllowsBurstThenRefillsAtRate() {
        var l = limiter(rps: 10, burst: 5)
        for _ in 0..<5 { #expect(l.admitRequest(connection: 1, now: 0) == nil) }
        let r = l.admitRequest(connection: 1, now: 0)
        #expect(r?.rule == RateLimiter.Rule.requestsPerSecond)
        #expect(r?.retryAfterMs == 100)
        #expect(l.admitRequest(connection: 1, now: 0.05) != nil)
        #expect(l.admitRequest(connection: 1, now: 0.1) == nil)
        #expect(l.admitRequest(connection: 2, now: 0.1) == nil)  // other connections have their own bucket
    }

    @Test func slidingWindow_LimitsPerMinute_AndSaysWhenToRetry() {
        var l = limiter()
        for i in 0..<3 { #expect(l.admitExecution(session: "s", perMinute: 3, maxTotal: 100, now: Double(i)) == nil) }
        let r = l.admitExecution(session: "s", perMinute: 3, maxTotal: 100, now: 10)
        #expect(r?.rule == RateLimiter.Rule.executionsPerMinute)
        #expect(r?.retryAfterMs == 50_000)  // the one at t=0 leaves the window at t=60
        #expect(r?.message.contains("retry in 50000 ms") == true)
        #expect(l.admitExecution(session: "s", perMinute: 3, maxTotal: 100, now: 59.9) != nil)
        #expect(l.admitExecution(session: "s", perMinute: 3, maxTotal: 100, now: 60) == nil)
        #expect(l.admitExecution(session: "other", perMinute: 3, maxTotal: 100, now: 60) == nil)
    }

    @Test func slidingWindow_RejectedAttemptsDoNotCount() {
        var l = limiter()
        #expect(l.admitExecution(session: "s", perMinute: 1, maxTotal: 100, now: 0) == nil)
        for t in stride(from: 1.0, to: 59, by: 1) {
            #expect(l.admitExecution(session: "s", perMinute: 1, maxTotal: 100, now: t) != nil)
        }
        #expect(l.admitExecution(session: "s", perMinute: 1, maxTotal: 100, now: 60) == nil)
    }

    @Test func maxExecutionsPerSession_IsFinal() {
        var l = limiter()
        for i in 0..<4 {
            #expect(l.admitExecution(session: "s", perMinute: 60, maxTotal: 4, now: Double(i) * 100) == nil)
        }
        let r = l.admitExecution(session: "s", perMinute: 60, maxTotal: 4, now: 10_000)
        #expect(r?.rule == RateLimiter.Rule.maxExecutionsPerSession)
        #expect(r?.retryAfterMs == nil)
    }

    @Test func concurrentSessions_CappedPerPrincipal_AndFreedOnClose() {
        var l = limiter(sessions: 2)
        #expect(l.reserveSession(principal: "a", now: 0) == nil)
        l.sessionOpened("s1", principal: "a", now: 0)
        #expect(l.reserveSession(principal: "a", now: 0) == nil)
        l.sessionOpened("s2", principal: "a", now: 0)
        #expect(l.reserveSession(principal: "a", now: 0)?.rule == RateLimiter.Rule.sessionsPerPrincipal)
        #expect(l.reserveSession(principal: "b", now: 0) == nil)
        l.sessionClosed("s1")
        l.sessionClosed("s1")  // idempotent
        #expect(l.reserveSession(principal: "a", now: 0) == nil)
        #expect(l.reserveSession(principal: "a", now: 0) != nil)
    }

    @Test func failedCreate_ReleasesReservation() {
        var l = limiter(sessions: 1)
        #expect(l.reserveSession(principal: "a", now: 0) == nil)
        l.releaseReservation(principal: "a")
        #expect(l.reserveSession(principal: "a", now: 0) == nil)
    }

    @Test func forgottenReservations_Lapse() {
        var l = limiter(sessions: 1)
        #expect(l.reserveSession(principal: "a", now: 0) == nil)
        #expect(l.reserveSession(principal: "a", now: 100) != nil)
        #expect(l.reserveSession(principal: "a", now: 301) == nil)  // the first one was never bound or released
        l.sessionOpened("s", principal: "a", now: 302)
        #expect(l.reserveSession(principal: "a", now: 1000) != nil)  // a bound slot does not lapse
    }

    @Test func sessionOpened_WithoutReservation_StillCounts_AndIsIdempotent() {
        var l = limiter(sessions: 2)
        l.sessionOpened("s1", principal: "a", now: 0)
        l.sessionOpened("s1", principal: "a", now: 0)
        #expect(l.reserveSession(principal: "a", now: 0) == nil)
        #expect(l.reserveSession(principal: "a", now: 0) != nil)
    }

    @Test func idleKeys_AreEvicted() {
        var l = limiter(rps: 10, burst: 10)
        for c in 0..<1000 { _ = l.admitRequest(connection: UInt64(c), now: 0) }
        #expect(l.connections.count == 1000)
        _ = l.admitRequest(connection: 5000, now: 100)  // buckets refilled long ago: forgotten by the sweep
        #expect(l.connections.count == 1)
        l.sessionIdleTTL = 3600
        _ = l.reserveSession(principal: "p", now: 100)
        l.sessionOpened("s", principal: "p", now: 100)
        _ = l.admitExecution(session: "s", perMinute: 60, maxTotal: 100, now: 100)
        _ = l.admitRequest(connection: 5000, now: 100 + 3601)
        #expect(l.sessions.isEmpty)
        #expect(l.principals.isEmpty)
    }

    @Test func closedConnections_AreForgotten() {
        var l = limiter()
        _ = l.admitRequest(connection: 1, now: 0)
        l.connectionClosed(1)
        #expect(l.trackedKeys == 0)
    }
}
