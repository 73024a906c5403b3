import DriverProtocol
import Foundation
import Glibc
import LinuxSystem
import Synchronization
import Testing
import Transport

@testable import Host

/// Issue 12, finding 7: stalls count against a budget, unresponsive drivers fail calls fast, failed drivers can
/// be revived, /health names degraded drivers, driver stderr is escaped. Pure state machines take injected times.
@Suite struct DriverSupervisionStateTests {
    let policy = RestartPolicy(
        firstDelay: 0.1, baseDelay: 0.5, maxDelay: 4, budget: 5, window: 60, stableAfter: 10, stallBudget: 3)

    @Test func stalls_GiveUpAfterTheStallBudget_EvenWhenEachOutlastsTheWindow() {
        var t = RestartTracker(policy: policy)
        // Each stall is detected ~25 s after the last, so the 60 s window never holds 5 of them; each process
        // was "up" longer than stableAfter but never answered a ping (healthy for 0 s).
        #expect(t.exited(now: 0, upFor: 0, reason: "r", cause: .stalled) == .restart(afterSeconds: 0.1))
        #expect(t.exited(now: 100, upFor: 0, reason: "r", cause: .stalled) == .restart(afterSeconds: 0.5))
        #expect(
            t.exited(now: 200, upFor: 0, reason: "r", cause: .stalled)
                == .giveUp(reason: "r; gave up after 3 unresponsive restarts in a row"))
    }

    @Test func stalls_ResetAfterAHealthyStretch() {
        var t = RestartTracker(policy: policy)
        _ = t.exited(now: 0, upFor: 0, reason: "r", cause: .stalled)
        _ = t.exited(now: 30, upFor: 0, reason: "r", cause: .stalled)
        // Answered pings for 10 s before this stall: an occasional stall of a working driver is restarted.
        #expect(t.exited(now: 60, upFor: 10, reason: "r", cause: .stalled) == .restart(afterSeconds: 0.1))
        #expect(t.stalls == 1)
    }

    @Test func crashes_DoNotSpendTheStallBudget() {
        var t = RestartTracker(policy: RestartPolicy(budget: 100, window: 60, stallBudget: 2))
        for i in 0..<10 { _ = t.exited(now: Double(i * 100), upFor: 0, reason: "c") }
        #expect(t.stalls == 0)
        guard case .restart = t.exited(now: 2000, upFor: 0, reason: "s", cause: .stalled) else {
            Issue.record("first stall restarts"); return
        }
    }

    @Test func revive_GivesAFreshBudget_AndKeepsTheTotal() {
        var t = RestartTracker(policy: policy)
        for i in 0..<5 { _ = t.exited(now: Double(i), upFor: 0, reason: "x") }
        guard case .giveUp = t.exited(now: 5, upFor: 0, reason: "x") else { Issue.record("budget spent"); return }
        t.revive()
        #expect(t.exited(now: 6, upFor: 0, reason: "x") == .restart(afterSeconds: 0.1))
        #expect(t.total == 6)
    }

    @Test func liveness_FirstMissIsUnresponsive_AnswerRecovers_SecondMissKills() {
        var m = LivenessMonitor(pingTimeout: 10, maxMisses: 2, readySince: 100)
        #expect(m.answered(now: 105) == .none)
        #expect(m.missed() == .unresponsive(reason: "no ping reply in 10 s"))
        #expect(m.answered(now: 125) == .recovered)
        #expect(m.missed() == .unresponsive(reason: "no ping reply in 10 s"))
        #expect(m.missed() == .kill(reason: "no ping reply in 20 s"))
        #expect(m.healthyFor == 25)
    }

    @Test func liveness_NeverAnswered_WasNeverHealthy() {
        var m = LivenessMonitor(pingTimeout: 0.5, maxMisses: 3, readySince: 7)
        _ = m.missed(); _ = m.missed()
        #expect(m.missed() == .kill(reason: "no ping reply in 1.5 s"))
        #expect(m.healthyFor == 0)
    }

    @Test func wakeSignal_FiredBeforeTheWait_IsKept_AndTimeoutSaysFalse() async {
        let w = WakeSignal()
        w.fire()
        #expect(await w.wait(timeout: 5))
        #expect(await !w.wait(timeout: 0.01))
    }

    @Test func wakeSignal_WakesAWaiter_AndCancellationEndsTheWait() async {
        let w = WakeSignal()
        let waiting = Task { await w.wait(timeout: nil) }
        try? await Task.sleep(for: .milliseconds(20))
        w.fire()
        #expect(await waiting.value)
        let cancelled = Task { await w.wait(timeout: nil) }
        cancelled.cancel()
        #expect(await !cancelled.value)
    }

    @Test func stderr_ControlCharactersAreEscaped() {
        #expect(
            Logger.clean("a\u{0}b\u{1B}[31mc\u{7}\td\u{85}e\u{2028}")
                == "a\\u{0}b\\u{1b}[31mc\\u{7}\\td\\u{85}e\\u{2028}")
        #expect(Logger.clean("plain ünïcode") == "plain ünïcode")
    }

    @Test func stderr_ForwarderLogsEscapedLines() {
        let log = DriverTestSupport.LogCapture()
        var f = StderrForwarder(logger: Logger("driver.x", sink: log.sink), now: 0)
        f.feed(ArraySlice(Array("nul\u{0}here\u{1B}x\n".utf8)), now: 0)
        #expect(log.all.count == 1)
        #expect(log.all[0].contains("nul\\u{0}here\\u{1b}x"))
        #expect(!log.all[0].contains("\u{0}"))
    }

    struct FixedDirectory: DriverDirectory {
        let states: [(String, String, String?)]
        var clients: [any DriverClient] { [] }
        func snapshot() -> JSONValue {
            .array(states.map { .object(["name": .string($0.0), "state": .string($0.1), "reason": JSONValue($0.2)]) })
        }
    }

    func health(_ states: [(String, String, String?)]) async throws -> (Int, JSONValue) {
        let routes = HealthRoutes(drivers: FixedDirectory(states: states), metricsText: { "" })
        let r = try #require(await routes.handle(method: "GET", path: "/health", query: [:], headers: []))
        return (r.status, try JSONParser.parse(r.body))
    }

    @Test func health_FailedDriverMakesItDegraded_NamingTheDriver() async throws {
        // The directory has no ready clients: the HTTP status follows anyReady (503), the body names the driver.
        let (_, body) = try await health([
            ("python", "ready", nil), ("stall", "failed", "gave up"), ("cobol", "unavailable", "no cobc"),
        ])
        #expect(body["status"] == "degraded")
        #expect(body["degradedDrivers"] == .array([["name": "stall", "state": "failed", "reason": "gave up"]]))
    }

    @Test func health_UnavailableRuntimeAloneIsNotDegradation() async throws {
        let (_, body) = try await health([("python", "ready", nil), ("cobol", "unavailable", "no cobc")])
        #expect(body["degradedDrivers"] == nil)
    }
}

extension DriverProcessTests {
    /// The supervisor against a real driver process that stalls after its handshake.
    @Suite struct Stall {
        typealias S = DriverTestSupport

        func stallConfig() -> DriverSupervisorConfig {
            var c = S.fastConfig(budget: 5)
            c.environment["THIRDPARTY_MODE"] = "stall"
            c.pingInterval = 0.05
            c.pingTimeout = 0.2
            c.maxMissedPings = 2
            c.restart.stableAfter = 0.1  // each stalled process is "up" longer than this
            c.reviveFailedAfter = nil
            return c
        }

        func waitFor(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
            let deadline = DriverClock.now() + seconds
            while !condition() {
                if DriverClock.now() > deadline { return false }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return true
        }

        @Test func stalledDriver_FailsCallsFast_ThenIsFailed_AndReviveStartsItAgain() async throws {
            let log = S.LogCapture()
            let s = DriverSupervisor(
                name: "stall", path: S.fixture("thirdparty-driver.py"), config: stallConfig(), logSink: log.sink)
            s.start()
            try #require(await waitFor(10) { s.isReady })
            // In flight when it is killed: the true reason, not "crashed".
            do {
                _ = try await s.call("session.open", params: ["session": "a"], onEvent: nil)
                Issue.record("the stalled driver cannot answer")
            } catch {
                #expect(error.kind == .crashed)
                #expect(
                    error.message
                        == "stall driver unresponsive during session.open: no ping reply in 0.4 s; killed and restarted"
                )
            }
            // While unresponsive, a new call fails at once instead of hanging.
            try #require(await waitFor(10) { s.driverState.name == "unresponsive" })
            let t0 = DriverClock.now()
            do {
                _ = try await s.call("execute", params: [:], onEvent: nil)
                Issue.record("should fail fast")
            } catch {
                #expect(error.kind == .unavailable)
                #expect(error.message.contains("stall driver is unresponsive (no ping reply in 0.2 s)"))
            }
            #expect(DriverClock.now() - t0 < 0.1)
            // Three stalls in a row: failed, with the reason.
            try #require(await waitFor(20) { s.driverState.name == "failed" })
            #expect(
                s.driverState.reason
                    == "unresponsive: no ping reply in 0.4 s; killed; gave up after 3 unresponsive restarts in a row")
            #expect(s.restarts == 2)
            #expect(s.revive())
            #expect(await waitFor(10) { s.restarts > 2 })
            #expect(log.all.contains { $0.contains("revived") })
            await s.shutdown()
            #expect(!s.revive())
        }
    }
}
