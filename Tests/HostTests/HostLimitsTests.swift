import DriverProtocol
import Foundation
import Synchronization
import Testing

@testable import Host

/// The limits of issue 12 (findings 2, 4, 8) and issue 11 (finding 8), on the pure types with an injected clock.
@Suite struct HostLimitsTests {
    func limiter(_ edit: (inout SecurityConfig) -> Void = { _ in }) -> RateLimiter {
        var c = SecurityConfig()
        edit(&c)
        return RateLimiter(config: c)
    }

    // MARK: per-principal rates (issue 11 finding 8)

    @Test func principalExecutionRate_CoversEverySessionOfThePrincipal() {
        var l = limiter { $0.principalExecutionsPerMinute = 3 }
        // A fresh session per call (what execution.run does) no longer escapes the limit.
        for i in 0..<3 {
            #expect(
                l.admitExecution(session: "run-\(i)", principal: "p", perMinute: 60, maxTotal: 100, now: Double(i))
                    == nil)
        }
        let r = l.admitExecution(session: "run-3", principal: "p", perMinute: 60, maxTotal: 100, now: 10)
        #expect(r?.rule == RateLimiter.Rule.principalExecutionsPerMinute)
        #expect(r?.retryAfterMs == 50_000)
        // another principal
        #expect(l.admitExecution(session: "run-4", principal: "q", perMinute: 60, maxTotal: 100, now: 10) == nil)
        #expect(l.checkPrincipalExecution(principal: "p", now: 59) != nil)
        #expect(l.checkPrincipalExecution(principal: "p", now: 60) == nil)
        #expect(l.admitExecution(session: "run-5", principal: "p", perMinute: 60, maxTotal: 100, now: 60) == nil)
    }

    @Test func refusedExecution_CountsNowhere() {
        var l = limiter { $0.principalExecutionsPerMinute = 2 }
        #expect(l.admitExecution(session: "a", principal: "p", perMinute: 1, maxTotal: 100, now: 0) == nil)
        // Session "a" is full: this refusal must not take the principal's second place.
        #expect(
            l.admitExecution(session: "a", principal: "p", perMinute: 1, maxTotal: 100, now: 1)?.rule
                == RateLimiter.Rule.executionsPerMinute)
        #expect(l.admitExecution(session: "b", principal: "p", perMinute: 1, maxTotal: 100, now: 2) == nil)
        // The principal is full: session "c"'s window must stay empty.
        #expect(
            l.admitExecution(session: "c", principal: "p", perMinute: 1, maxTotal: 100, now: 3)?.rule
                == RateLimiter.Rule.principalExecutionsPerMinute)
        #expect(l.admitExecution(session: "c", principal: "q", perMinute: 1, maxTotal: 100, now: 4) == nil)
    }

    @Test func principalFileCommandRate_RefusesWithRetryAfter_AndForgetsIdlePrincipals() {
        var l = limiter { $0.principalFileCommandsPerMinute = 2 }
        #expect(l.admitFileCommand(principal: "p", now: 0) == nil)
        #expect(l.admitFileCommand(principal: "p", now: 30) == nil)
        let r = l.admitFileCommand(principal: "p", now: 31)
        #expect(r?.rule == RateLimiter.Rule.principalFileCommandsPerMinute && r?.retryAfterMs == 29_000)
        #expect(l.admitFileCommand(principal: "p", now: 60) == nil)
        l.sweepIfDue(now: 1000)
        #expect(l.trackedKeys == 0)
    }

    // MARK: the file gate (issue 12 finding 2)

    @Test func fileGate_LimitsPerSessionAndPerPrincipal_AndRefusalsCountNothing() {
        var g = FileCommandGate(perSession: 2, perPrincipal: 3)
        #expect(g.enter(session: "s1", principal: "p") == nil)
        #expect(g.enter(session: "s1", principal: "p") == nil)
        #expect(g.enter(session: "s1", principal: "p")?.rule == FileCommandGate.Rule.perSession)
        #expect(g.enter(session: "s2", principal: "p") == nil)
        #expect(g.enter(session: "s3", principal: "p")?.rule == FileCommandGate.Rule.perPrincipal)
        #expect(g.enter(session: "s4", principal: "q") == nil)  // others are not affected
        #expect(g.inFlight(principal: "p") == 3)
        g.leave(session: "s1", principal: "p")
        #expect(g.enter(session: "s3", principal: "p") == nil)
        for (s, p) in [("s1", "p"), ("s2", "p"), ("s3", "p"), ("s4", "q")] { g.leave(session: s, principal: p) }
        #expect(g.isIdle)
    }

    @Test func filePool_RunsOffTheCooperativePool_AndRefusesWhenFull() async {
        let pool = FileWorkPool(threads: 1, capacity: 2)
        let gate = Shared(false)
        let started = Shared(0)
        // Two jobs that block their thread until released: one runs, one waits in the queue.
        let first = Task {
            await pool.run { () -> Int in
                started.withLock { $0 += 1 }
                while !gate.withLock({ $0 }) { usleep(1000) }
                return 1
            }
        }
        let second = Task { await pool.run { () -> Int in 2 } }
        #expect(await eventually { pool.inFlight == 2 && started.withLock { $0 } == 1 })
        #expect(await pool.run { 3 } == nil)  // full: refused at once, not queued
        // The Swift concurrency pool still runs other work while the file thread is blocked.
        let other = await Task.detached { 40 + 2 }.value
        #expect(other == 42)
        gate.withLock { $0 = true }
        let a = await first.value, b = await second.value
        #expect(a == 1 && b == 2)
        #expect(await eventually { pool.inFlight == 0 })
    }

    // MARK: session admission (issue 12 finding 4)

    @Test func admission_ReservesUntilCommitOrRollback() {
        var a = SessionAdmission(maxSessions: 3, maxSessionsPerPrincipal: 2)
        #expect(a.reserve(principal: "p") == nil)
        #expect(a.reserve(principal: "p") == nil)
        let r = a.reserve(principal: "p")  // both still being created: they count
        #expect(r?.code == -32029 && r?.data?["rule"] == "maxSessionsPerPrincipal")
        a.rollback(principal: "p")
        #expect(a.reserve(principal: "p") == nil)
        a.commit(principal: "p"); a.commit(principal: "p")
        #expect(a.count(principal: "p") == 2)
        #expect(a.reserve(principal: "q") == nil)
        let full = a.reserve(principal: "r")
        #expect(full?.code == -32002 && full?.data?["rule"] == "maxSessions")
        a.closed(principal: "p")
        #expect(a.reserve(principal: "r") == nil && a.count == 3)
    }

    // MARK: small contract points (issue 12 finding 8)

    @Test func runtimeType_AcceptsTheSeedsSpellings() throws {
        let node = RuntimeSelector.Candidate(
            name: "node",
            capabilities: DriverCapabilities(
                languages: [.init(name: "javascript", aliases: ["node", "js"])], runtimeType: "NodeJs",
                isolationLevel: 6, startupMs: 2, memoryMB: 48), isReady: true)
        for spelling in ["Node.js", "node.js", "NODEJS", "NodeJs", "node", "Node JS"] {
            let s = try RuntimeSelector.select(language: "javascript", runtimeType: spelling, candidates: [node])
            #expect(s.driverName == "node", "\(spelling)")
        }
        #expect(throws: RPCError.self) {
            try RuntimeSelector.select(language: "javascript", runtimeType: "Deno", candidates: [node])
        }
    }

    @Test func validationRefusals_DoNotCountAgainstExecutionCaps() throws {
        var c = SecurityConfig()
        c.executionsPerMinute = 2
        c.maxExecutionsPerSession = 3
        c.principalExecutionsPerMinute = 2
        c.enableAuditLogging = false
        let s = SecurityLayer(config: c, metrics: CodeBeakerMetrics(), audit: nil, clock: { 0 })
        for _ in 0..<5 {
            #expect(throws: RPCError.self) {
                try s.checkExecution(principal: "p", session: "x", code: ":(){ :|:& };:", language: "bash")
            }
            #expect(throws: RPCError.self) {
                try s.checkShell(principal: "p", session: "x", command: "sudo", args: ["ls"])
            }
            #expect(throws: RPCError.self) {
                try s.checkPackages(principal: "p", session: "x", manager: "pip", names: ["--index-url=x"])
            }
        }
        try s.checkExecution(principal: "p", session: "x", code: "print(1)", language: "python")
        try s.checkExecution(principal: "p", session: "x", code: "print(2)", language: "python")
        do {
            try s.checkExecution(principal: "p", session: "x", code: "print(3)", language: "python");
            Issue.record("a third fits")
        } catch {
            #expect(error.code == -32029)
        }
    }
}
