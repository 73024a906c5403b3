import Testing

@testable import Host

@Suite struct DriverRestartTrackerTests {
    let policy = RestartPolicy(firstDelay: 0.1, baseDelay: 0.5, maxDelay: 4, budget: 5, window: 60, stableAfter: 10)

    @Test func backoff_DoublesPerCrash_UpToTheCap() {
        var t = RestartTracker(
            policy: RestartPolicy(
                firstDelay: 0.1, baseDelay: 0.5, maxDelay: 4, budget: 100, window: 60, stableAfter: 10))
        let delays = (0..<7).map { i -> Double? in
            if case .restart(let d) = t.exited(now: Double(i), upFor: 0, reason: "x") { return d }
            return nil
        }
        #expect(delays == [0.1, 0.5, 1, 2, 4, 4, 4])
        #expect(t.total == 7)
    }

    @Test func budget_GivesUpOnTheSixthCrashWithinTheWindow_NamingTheReason() {
        var t = RestartTracker(policy: policy)
        for i in 0..<5 {
            guard case .restart = t.exited(now: Double(i), upFor: 0, reason: "exited with code 1") else {
                Issue.record("crash \(i) should restart"); return
            }
        }
        let last = t.exited(now: 5, upFor: 0, reason: "exited with code 1")
        #expect(last == .giveUp(reason: "exited with code 1; gave up after 5 restarts within 60 s"))
    }

    @Test func budget_ForgetsRestartsOlderThanTheWindow() {
        var t = RestartTracker(policy: policy)
        for i in 0..<5 { _ = t.exited(now: Double(i), upFor: 0, reason: "x") }
        // 61 s after the first restart, only four remain inside the window.
        guard case .restart = t.exited(now: 60.5, upFor: 0, reason: "x") else { Issue.record("should restart"); return }
        #expect(t.recent.count == 5)
    }

    @Test func stableUptime_ResetsBackoffAndBudget() {
        var t = RestartTracker(policy: policy)
        for i in 0..<5 { _ = t.exited(now: Double(i), upFor: 0, reason: "x") }
        let afterStableRun = t.exited(now: 20, upFor: 10, reason: "x")
        #expect(afterStableRun == .restart(afterSeconds: 0.1))
        #expect(t.recent == [20])
        #expect(t.consecutive == 1)
    }

    @Test func shortUptime_KeepsGrowingTheBackoff() {
        var t = RestartTracker(policy: policy)
        _ = t.exited(now: 0, upFor: 9.9, reason: "x")
        _ = t.exited(now: 1, upFor: 9.9, reason: "x")
        #expect(t.exited(now: 2, upFor: 9.9, reason: "x") == .restart(afterSeconds: 1))
    }
}
