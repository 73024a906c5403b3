import DriverProtocol
import Foundation
import Synchronization
import Testing

@testable import Host
@testable import Transport

/// The facade with an injected clock and a real audit log in a temp dir.
@Suite(.serialized) final class SecurityLayerTests {
    final class Clock: Sendable {
        let t = Mutex<Double>(0)
        func advance(_ s: Double) { t.withLock { $0 += s } }
        var read: @Sendable () -> Double { { self.t.withLock { $0 } } }
    }

    let dir = NSTemporaryDirectory() + "seclayer-" + UUID().uuidString
    let clock = Clock()
    let metrics = CodeBeakerMetrics()

    init() {}
    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func layer(_ edit: (inout SecurityConfig) -> Void = { _ in }) -> (SecurityLayer, AuditLog) {
        var c = SecurityConfig()
        c.tokens = [.init(token: "tok-alice-0123", principal: "alice")]
        edit(&c)
        let audit = AuditLog(
            directory: dir, retentionDays: 90, redactor: AuditRedactor(tokens: c.tokens.map(\.token)),
            failures: metrics.auditWriteFailures)
        return (SecurityLayer(config: c, metrics: metrics, audit: audit, clock: clock.read), audit)
    }

    func auditLines(_ audit: AuditLog) throws -> [JSONValue] {
        audit.close()
        let text =
            (try? String(
                contentsOfFile: dir + "/" + AuditFileStore.fileName(day: UTCTime.dayNumber(Date())), encoding: .utf8))
            ?? ""
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    func rpcError(_ body: () throws(RPCError) -> Void) -> RPCError? {
        do { try body(); return nil } catch { return error }
    }

    @Test func forkBomb_IsASecurityViolation_WithAuditAndMetric() throws {
        let (s, audit) = layer()
        let e = rpcError { () throws(RPCError) in
            try s.checkExecution(principal: "alice", session: "s1", code: ".(){.|.&};.", language: "bash")
        }
        #expect(e?.code == -32011)
        #expect(e?.data?["rule"] == "forkBomb")
        #expect(e?.message.contains("forkBomb") == true)
        #expect(metrics.securityViolations.labels("forkBomb").current == 1)
        let lines = try auditLines(audit)
        #expect(lines.count == 1)
        #expect(lines[0]["event"] == "SecurityViolation")
        #expect(lines[0]["outcome"] == "denied")
        #expect(lines[0]["details"]?["attempted"] == "CodeExecution")
        #expect(lines[0]["principal"] == "alice")
    }

    @Test func networkSession_IsRefusedUnlessThePrincipalIsListed_WithAuditAndMetric() throws {
        let (s, audit) = layer { $0.networkPrincipals = ["bob"] }
        let e = rpcError { () throws(RPCError) in
            try s.checkNetwork(principal: "alice", params: ["language": "python", "network": true])
        }
        #expect(e?.code == -32602)
        #expect(e?.data?["field"] == "network" && e?.data?["rule"] == .string(SecurityLayer.networkRule))
        #expect(e?.data?["reason"]?.string?.contains("alice") == true)
        #expect(metrics.securityViolations.labels(SecurityLayer.networkRule).current == 1)
        #expect(
            rpcError { () throws(RPCError) in try s.checkNetwork(principal: "bob", params: ["network": true]) } == nil)
        #expect(
            rpcError { () throws(RPCError) in try s.checkNetwork(principal: "alice", params: ["network": false]) }
                == nil)
        let lines = try auditLines(audit)
        #expect(
            lines.count == 1 && lines[0]["event"] == "SecurityViolation"
                && lines[0]["details"]?["attempted"] == "SessionCreate")
    }

    @Test func tooLongCode_IsAnInputValidationFailure() throws {
        let (s, audit) = layer { $0.maxCodeLength = 5 }
        let e = rpcError { () throws(RPCError) in
            try s.checkExecution(principal: "alice", session: "s1", code: "print(1)", language: "python")
        }
        #expect(e?.data?["rule"] == "codeLength")
        #expect(try auditLines(audit).first?["event"] == "InputValidationFailure")
    }

    @Test func executionsPerMinute_RejectsWithRetryAfter_AuditsOnlyTheFirstOfARun() throws {
        let (s, audit) = layer { $0.executionsPerMinute = 2 }
        try s.checkExecution(principal: "alice", session: "s1", code: "1", language: "python")
        clock.advance(1)
        try s.checkExecution(principal: "alice", session: "s1", code: "1", language: "python")
        for _ in 0..<5 {
            let e = rpcError { () throws(RPCError) in
                try s.checkExecution(principal: "alice", session: "s1", code: "1", language: "python")
            }
            #expect(e?.code == -32029)
            #expect(e?.data?["retryAfterMs"] == 59_000)
            #expect(e?.data?["rule"] == "executionsPerMinute")
        }
        #expect(metrics.rateLimitExceeded.current == 5)
        clock.advance(59)
        try s.checkExecution(principal: "alice", session: "s1", code: "1", language: "python")
        let lines = try auditLines(audit)
        #expect(lines.filter { $0["event"] == "RateLimitExceeded" }.count == 1)
    }

    @Test func sessionTightening_AppliesToThatSessionOnly() throws {
        let (s, audit) = layer()
        let effective = s.sessionCreated(
            principal: "alice", session: "strict", security: ["executionsPerMinute": 1, "enableInputValidation": false])
        #expect(effective.executionsPerMinute == 1 && effective.enableInputValidation)
        s.sessionCreated(principal: "alice", session: "normal")
        try s.checkExecution(principal: "alice", session: "strict", code: "1", language: "python")
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkExecution(principal: "alice", session: "strict", code: "1", language: "python")
            }?.code == -32029)
        try s.checkExecution(principal: "alice", session: "normal", code: "1", language: "python")
        try s.checkExecution(principal: "alice", session: "normal", code: "1", language: "python")
        #expect(metrics.activeSessions.current == 2)
        s.sessionClosed(principal: "alice", session: "strict", reason: "closed by client")
        s.sessionClosed(principal: "alice", session: "strict", reason: "again")
        #expect(metrics.activeSessions.current == 1)
        let events = try auditLines(audit).compactMap { $0["event"]?.string }
        #expect(events.filter { $0 == "SessionCreate" }.count == 2)
        #expect(events.filter { $0 == "SessionDestroy" }.count == 1)
    }

    @Test func concurrentSessionCap_ReservesAndReleases() {
        let (s, audit) = layer { $0.maxSessionsPerPrincipal = 1 }
        defer { audit.close() }
        #expect(rpcError { () throws(RPCError) in try s.checkCreate(principal: "alice", reserve: true) } == nil)
        #expect(
            rpcError { () throws(RPCError) in try s.checkCreate(principal: "alice") }?.data?["rule"]
                == "maxSessionsPerPrincipal")
        s.createFailed(principal: "alice")
        #expect(rpcError { () throws(RPCError) in try s.checkCreate(principal: "alice") } == nil)
        // checking alone holds nothing
        #expect(rpcError { () throws(RPCError) in try s.checkCreate(principal: "alice") } == nil)
        s.sessionCreated(principal: "alice", session: "a1")
        #expect(rpcError { () throws(RPCError) in try s.checkCreate(principal: "alice") }?.code == -32029)
        s.sessionClosed(principal: "alice", session: "a1", reason: "idle")
        #expect(rpcError { () throws(RPCError) in try s.checkCreate(principal: "alice") } == nil)
    }

    @Test func requestsPerConnection_UseTheTokenBucket() {
        let (s, audit) = layer {
            $0.requestBurst = 3; $0.requestsPerSecond = 1
        }
        defer { audit.close() }
        for _ in 0..<3 {
            #expect(
                rpcError { () throws(RPCError) in
                    try s.checkRequest(connection: 7, principal: "alice", method: "session.list")
                } == nil)
        }
        let e = rpcError { () throws(RPCError) in
            try s.checkRequest(connection: 7, principal: "alice", method: "session.list")
        }
        #expect(e?.data?["retryAfterMs"] == 1000)
        clock.advance(1)
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkRequest(connection: 7, principal: "alice", method: "session.list")
            } == nil)
    }

    @Test func switchingOff_SkipsValidationAndRateLimits() {
        let (s, audit) = layer { $0.executionsPerMinute = 1 }
        defer { audit.close() }
        s.setValidation(false); s.setRateLimiting(false)
        for _ in 0..<3 {
            #expect(
                rpcError { () throws(RPCError) in
                    try s.checkExecution(principal: "a", session: "s", code: "sudo ls", language: "bash")
                } == nil)
        }
        s.setValidation(true)
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkExecution(principal: "a", session: "s", code: "sudo ls", language: "bash")
            }?.code == -32011)
    }

    @Test func fileOps_ShellAndPackages_AreChecked() {
        let (s, audit) = layer { $0.allowedFileExtensions = [".py"] }
        defer { audit.close() }
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkFileOp(principal: "a", session: "s", operation: .write, path: "x.sh")
            }?.data?["rule"] == "path.extension")
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkFileOp(principal: "a", session: "s", operation: .createDirectory, path: "dir")
            } == nil)
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkFileOp(principal: "a", session: "s", operation: .copy, path: "a.py", destination: "../b.py")
            }?.data?["rule"] == "path.traversal")
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkShell(principal: "a", session: "s", command: "sudo", args: ["id"])
            }?.data?["rule"] == "blockedPattern")
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkPackages(principal: "a", session: "s", manager: "pip", names: ["x; id"])
            }?.data?["rule"] == "package.metacharacter")
        #expect(
            rpcError { () throws(RPCError) in
                try s.checkPackages(principal: "a", session: "s", manager: "npm", names: ["lodash"])
            } == nil)
    }

    @Test func recordExecution_CountsOutcomeAndAudits() throws {
        let (s, audit) = layer()
        s.recordExecution(
            principal: "alice", session: "s1", language: "python", runtime: "native",
            result: RunResult(exitCode: 0, durationMs: 20))
        s.recordExecution(
            principal: "alice", session: "s1", language: "python", runtime: "native",
            result: RunResult(timedOut: true, durationMs: 5000))
        s.recordExecution(
            principal: "alice", session: "s1", event: .shellCommand, language: "shell", runtime: "native", result: nil,
            error: "driver crashed")
        s.recordFileOp(principal: "alice", session: "s1", operation: .delete, path: "a.txt", success: true)
        #expect(metrics.executions.labels("python", "native", "success").current == 1)
        #expect(metrics.executions.labels("python", "native", "timeout").current == 1)
        #expect(metrics.executions.labels("shell", "native", "error").current == 1)
        let events = try auditLines(audit).compactMap { $0["event"]?.string }
        #expect(events == ["CodeExecution", "CodeExecution", "ShellCommand", "FileDelete"])
    }

    @Test func recordCommand_CountsExecutionsAndAuditsFileCommands() throws {
        let (s, audit) = layer()
        s.recordCommand(
            principal: "a", session: "s", event: .codeExecution, language: "python", runtime: "native", success: false,
            durationMs: 30_000, error: "timed out after 30 s")
        s.recordCommand(
            principal: "a", session: "s", event: .fileWrite, language: "python", runtime: "native", success: true,
            durationMs: 1, error: nil)
        #expect(metrics.executions.labels("python", "native", "timeout").current == 1)
        #expect(metrics.executionDuration.labels([]).snapshot().cumulative.last == 1)
        let lines = try auditLines(audit)
        #expect(lines.map { $0["event"] } == ["CodeExecution", "FileWrite"])
        #expect(lines.map { $0["outcome"] } == ["failure", "success"])
    }

    @Test func authRejection_IsAuditedWithoutTheToken() throws {
        let (s, audit) = layer()
        let req = UpgradeRequest(
            path: "/ws/jsonrpc", query: [:], headers: [(name: "authorization", value: "Bearer tok-alice-0124")],
            remoteAddress: "10.1.1.1")
        guard case .reject(401, _) = s.shouldUpgrade(req) else { Issue.record("accepted a wrong token"); return }
        let ok = UpgradeRequest(
            path: "/ws/jsonrpc", query: ["token": "tok-alice-0123"], headers: [], remoteAddress: "10.1.1.1")
        guard case .accept("alice", nil) = s.shouldUpgrade(ok) else { Issue.record("rejected a right token"); return }
        #expect(metrics.securityViolations.labels("auth").current == 1)
        let lines = try auditLines(audit)
        #expect(lines.count == 1)
        #expect(!JSONWriter.string(lines[0]).contains("tok-alice"))
    }

    @Test func sanitizeOutput_CapsAtTheSessionLimit() {
        let (s, audit) = layer { $0.maxOutputLength = 8 }
        defer { audit.close() }
        s.sessionCreated(principal: "a", session: "tight", security: ["maxOutputLength": 4])
        #expect(s.sanitizeOutput("0123456789") == ("01234567", true))
        #expect(s.sanitizeOutput("0123456789", session: "tight") == ("0123", true))
        #expect(s.sanitizeOutput("short") == ("short", false))
        #expect(s.sanitizeOutput(bytes: [0x61, 0xFF, 0x62]) == ("a\u{FFFD}b", false))
    }
}

/// The per-execution cost of the security layers (validation + rate limit + policy lookups), on and off,
/// on a 2 KB program. Prints the figures; asserts only that all the calls were admitted.
@Suite struct SecurityLayerCostTests {
    @Test func checkExecution_CostOnAndOff_IsReported() throws {
        var c = SecurityConfig()
        c.executionsPerMinute = 100_000; c.maxExecutionsPerSession = Int(Int32.max);
        c.principalExecutionsPerMinute = 100_000
        let s = SecurityLayer(config: c, metrics: CodeBeakerMetrics(), audit: nil)
        s.sessionCreated(principal: "p", session: "s")
        let code = String(repeating: "for i in range(10):\n    print(i, 'hello world')\n", count: 40)
        let n = 2_000
        let clock = ContinuousClock()
        func run() throws -> Duration {
            try clock.measure {
                for _ in 0..<n { try s.checkExecution(principal: "p", session: "s", code: code, language: "python") }
            }
        }
        _ = try run()  // warm-up: caches, allocator, the window's array
        let on = try run()
        s.setRateLimiting(false)
        let validationOnly = try run()
        s.setValidation(false)
        let off = try run()
        func ns(_ d: Duration) -> Int {
            Int(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000) / n
        }
        print(
            "checkExecution on \(code.utf8.count)-byte code: \(ns(on)) ns with validation+rate limiting, \(ns(validationOnly)) ns validation only, \(ns(off)) ns with both off"
        )
        #expect(ns(on) > 0)
        s.setValidation(true)
        // 96 KB, near the cap
        let big = String(repeating: "for i in range(10):\n    print(i, 'hello world')\n", count: 2000)
        let bigRun = try clock.measure {
            for _ in 0..<20 { try s.checkExecution(principal: "p", session: "s", code: big, language: "python") }
        }
        print("checkExecution on \(big.utf8.count)-byte code: \(ns(bigRun) * n / 20) ns with validation")
    }
}
