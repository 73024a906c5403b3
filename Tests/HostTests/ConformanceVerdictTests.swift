import DriverProtocol
import Foundation
import Testing

@testable import Host

/// The strict checks' judgements, on replies written by hand: each rule fails the reply that breaks it.
@Suite struct ConformanceVerdictTests {
    typealias V = ConformanceVerdicts

    static func reply(_ result: JSONValue) -> JSONValue { ["jsonrpc": "2.0", "id": 5, "result": result] }

    @Test func timeout_PassesOnlyATimedOutRunNearTheLimitWithNothingLeft() {
        let ok = Self.reply(["timedOut": true, "exitCode": nil, "signal": 9])
        #expect(V.timeout(ok, timeoutMs: 1000, elapsedMs: 1100, graceMs: 5000, leftovers: []).passed)
        let ran = Self.reply(["timedOut": false, "exitCode": 0])
        #expect(V.timeout(ran, timeoutMs: 1000, elapsedMs: 1100, graceMs: 5000, leftovers: []).failed)
        #expect(V.timeout(ok, timeoutMs: 1000, elapsedMs: 6001, graceMs: 5000, leftovers: []).failed)
        let left = V.timeout(
            ok, timeoutMs: 1000, elapsedMs: 1100, graceMs: 5000, leftovers: ["pid 7 uid 0 state S: sleep 1"])
        #expect(left.failed && left.detail.contains("pid 7"))
        let withCode = Self.reply(["timedOut": true, "exitCode": 137])
        #expect(V.timeout(withCode, timeoutMs: 1000, elapsedMs: 1100, graceMs: 5000, leftovers: []).failed)
        let error: JSONValue = ["jsonrpc": "2.0", "id": 5, "error": ["code": -32603, "message": "boom"]]
        #expect(
            V.timeout(error, timeoutMs: 1000, elapsedMs: 10, graceMs: 5000, leftovers: []).detail.contains("-32603"))
    }

    @Test func outputCap_NeedsBothStreamsCutAndFlagged() {
        let a = String(repeating: "a", count: 1000)
        let ok = Self.reply([
            "stdout": .string(a), "stderr": .string(a), "stdoutTruncated": true, "stderrTruncated": true,
        ])
        #expect(V.outputCap(ok, cap: 1000).passed)
        let unflagged = Self.reply(["stdout": .string(a), "stderr": .string(a), "stdoutTruncated": true])
        #expect(V.outputCap(unflagged, cap: 1000).detail == "stderrTruncated must be true, got absent")
        let uncut = Self.reply([
            "stdout": .string(a + "a"), "stderr": .string(a), "stdoutTruncated": true, "stderrTruncated": true,
        ])
        #expect(V.outputCap(uncut, cap: 1000).detail == "stdout kept 1001 bytes, maxOutputBytes was 1000")
        let empty = Self.reply(["stdout": "", "stderr": .string(a), "stdoutTruncated": true, "stderrTruncated": true])
        #expect(V.outputCap(empty, cap: 1000).failed)
    }

    @Test func outputOrder_ChecksTextSeqAndTheEventsSum() {
        func event(_ seq: Int, _ stream: String, _ data: String) -> JSONValue {
            [
                "jsonrpc": "2.0", "method": "output",
                "params": ["seq": .int(seq), "stream": .string(stream), "data": .string(data)],
            ]
        }
        let r = Self.reply(["stdout": "o0\no1\n", "stderr": "e0\n"])
        let good = [(0, event(0, "stdout", "o0\n")), (1, event(1, "stderr", "e0\n")), (2, event(2, "stdout", "o1\n"))]
        #expect(V.outputOrder(r, index: 3, events: good, stdout: "o0\no1\n", stderr: "e0\n").passed)
        #expect(V.outputOrder(r, index: 3, events: [], stdout: "o0\no1\n", stderr: "e0\n").passed)
        let swapped = Self.reply(["stdout": "o1\no0\n", "stderr": "e0\n"])
        #expect(V.outputOrder(swapped, index: 3, events: [], stdout: "o0\no1\n", stderr: "e0\n").failed)
        let badSeq = [
            (0, event(0, "stdout", "o0\n")), (1, event(2, "stderr", "e0\n")), (2, event(1, "stdout", "o1\n")),
        ]
        #expect(V.outputOrder(r, index: 3, events: badSeq, stdout: "o0\no1\n", stderr: "e0\n").failed)
        #expect(
            V.outputOrder(r, index: 1, events: good, stdout: "o0\no1\n", stderr: "e0\n").detail.contains(
                "after the result"))
        let short = [(0, event(0, "stdout", "o0\n")), (1, event(1, "stderr", "e0\n"))]
        #expect(V.outputOrder(r, index: 3, events: short, stdout: "o0\no1\n", stderr: "e0\n").failed)
    }

    @Test func signalDeath_RejectsAnExitCodeStandingInForTheSignal() {
        #expect(V.signalDeath(Self.reply(["exitCode": nil, "signal": 11]), signal: 11).passed)
        let misreported = V.signalDeath(Self.reply(["exitCode": 139, "signal": nil]), signal: 11)
        #expect(misreported.detail == "a death by signal 11 was reported as exitCode 139 with no signal")
        #expect(V.signalDeath(Self.reply(["exitCode": 0]), signal: 9).failed)
    }

    @Test func shell_ArgsMissingCommandAndCwd() {
        #expect(V.shellArgs(Self.reply(["exitCode": 0, "stdout": "a b|c|"]), expected: "a b|c|").passed)
        #expect(V.shellArgs(Self.reply(["exitCode": 0, "stdout": "a|b|c|"]), expected: "a b|c|").failed)
        #expect(V.missingCommand(Self.reply(["exitCode": 127])).passed)
        #expect(V.missingCommand(Self.reply(["exitCode": 1, "reason": "not found"])).passed)
        #expect(V.missingCommand(Self.reply(["exitCode": 0])).failed)
        #expect(V.missingCommand(["id": 5, "error": ["code": -32602, "message": "no such command"]]).passed)
        #expect(V.missingCommand(["id": 5, "error": ["code": -32601, "message": "x"]]).failed)
        let pwd = Self.reply(["exitCode": 0, "stdout": "/workspace/a\n"])
        #expect(V.cwd(pwd, cwd: "a", inside: "/workspace/a", hostPath: "/tmp/w/a") == nil)
        #expect(
            V.cwd(
                Self.reply(["exitCode": 0, "stdout": "/tmp/w/a\n"]), cwd: "a", inside: "/workspace/a",
                hostPath: "/tmp/w/a") == nil)
        #expect(
            V.cwd(Self.reply(["exitCode": 0, "stdout": "/\n"]), cwd: "a", inside: "/workspace/a", hostPath: "/tmp/w/a")
                != nil)
        #expect(V.missingCwd(Self.reply(["exitCode": 0, "stdout": "/\n"]), cwd: "nope") != nil)
        #expect(V.missingCwd(Self.reply(["exitCode": 2]), cwd: "nope") == nil)
        #expect(V.missingCwd(["id": 5, "error": ["code": -32602, "message": "cwd"]], cwd: "nope") == nil)
    }

    @Test func queuedCancel_NeedsAPromptCancelThatNeverRanAndTheOthersDone() {
        let cancelled: JSONValue = Self.reply(["cancelled": true, "exitCode": nil])
        let ok = Self.reply(["exitCode": 0, "stdout": "after\n"])
        var q = V.Queue(
            first: (9, ok), queued: (4, cancelled), last: (10, ok), cancelReply: Self.reply(["cancelled": true]),
            queuedRan: false, lastExpected: "after\n")
        #expect(V.queuedCancel(q).passed)
        q.queued = (11, cancelled)
        #expect(V.queuedCancel(q).detail.contains("prompt"))
        q.queued = (4, cancelled)
        q.queuedRan = true
        #expect(V.queuedCancel(q).detail == "the cancelled queued run was run anyway")
        q.queuedRan = false
        q.queued = (4, ok)
        #expect(V.queuedCancel(q).failed)
        q.queued = (4, ["id": 5, "error": ["code": -32003, "message": "cancelled"]])
        #expect(V.queuedCancel(q).passed)
        q.last = nil
        #expect(V.queuedCancel(q).failed)
    }

    @Test func canary_FailsWhenTheSecretShowsInEitherStream() {
        #expect(V.canary("no-host-env", Self.reply(["stdout": "PATH=/bin\n"]), canary: "s3cret", what: "env").passed)
        #expect(
            V.canary("no-host-env", Self.reply(["stdout": "", "stderr": "x s3cret"]), canary: "s3cret", what: "env")
                .failed)
    }

    @Test func report_SummaryCountsSkipsAndFailuresLinkTheirSection() {
        let checks: [ConformanceCheck] = [
            .pass("handshake"), .fail("output-cap", "stdout kept 5 bytes"),
            .skip("no-leak", "driver reports isolation 1"),
        ]
        #expect(ConformanceCheck.summary(checks) == "1 passed, 1 failed, 1 skipped")
        #expect(checks[1].description == "FAIL output-cap: stdout kept 5 bytes (docs/driver-protocol.md#shell)")
        #expect(checks[2].description == "SKIP no-leak: driver reports isolation 1")
        #expect(ConformanceRules.docLink("no-such-rule") == "docs/driver-protocol.md")
        // Every check the kit runs names a section of the doc.
        for name in ConformanceRules.sessionChecks { #expect(ConformanceRules.anchors[name] != nil, "\(name)") }
    }
}

extension ConformanceVerdictTests {
    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
    static func anchor(_ heading: String) -> String {
        String(
            heading.lowercased().compactMap { c -> Character? in
                c == " " ? "-" : (c.isLetter || c.isNumber || c == "-" || c == "_") ? c : nil
            })
    }

    @Test func everyRuleLinksASectionThatExists() throws {
        let doc = try String(contentsOfFile: DriverTestSupport.repoRoot + "/docs/driver-protocol.md", encoding: .utf8)
        let anchors = Set(
            doc.split(separator: "\n").filter { $0.hasPrefix("#") }.map {
                Self.anchor(String($0.drop { $0 == "#" }.dropFirst()))
            })
        for (rule, anchor) in ConformanceRules.anchors { #expect(anchors.contains(anchor), "\(rule): #\(anchor)") }
    }
}
