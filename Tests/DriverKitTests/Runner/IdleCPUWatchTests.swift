import Testing

@testable import DriverKit

/// The idle-CPU watchdog's state machine, driven with made-up usage counters (microseconds).
@Suite struct IdleCPUWatchTests {
    @Test func idleUsageOverTheBudgetTrips() {
        var w = IdleCPUWatch(budgetMicros: 500_000)
        #expect(w.check(running: false, jobs: 1, usage: 10_000_000) == nil)  // first sight: the baseline
        #expect(w.check(running: false, jobs: 1, usage: 10_400_000) == nil)
        let why = w.check(running: false, jobs: 1, usage: 10_600_000)
        #expect(why == "0.6 s (the limit is 0.5 s)")
    }

    @Test func cpuUsedWhileAJobRunsDoesNotCount() {
        var w = IdleCPUWatch(budgetMicros: 500_000)
        _ = w.check(running: false, jobs: 1, usage: 0)
        #expect(w.check(running: true, jobs: 2, usage: 5_000_000) == nil)
        #expect(w.check(running: false, jobs: 2, usage: 5_000_000) == nil)  // new baseline after the job
        #expect(w.check(running: false, jobs: 2, usage: 5_400_000) == nil)
    }

    @Test func aJobThatStartedAndEndedBetweenTwoChecksResetsTheWindow() {
        var w = IdleCPUWatch(budgetMicros: 500_000)
        _ = w.check(running: false, jobs: 1, usage: 0)
        // The job counter moved: its 3 s of CPU are not background work.
        #expect(w.check(running: false, jobs: 2, usage: 3_000_000) == nil)
        #expect(w.check(running: false, jobs: 2, usage: 3_100_000) == nil)
    }

    @Test func noBudgetOrNoCounterNeverTrips() {
        var unlimited = IdleCPUWatch(budgetMicros: nil)
        var blind = IdleCPUWatch(budgetMicros: 1)
        for u in stride(from: 0, to: 10_000_000, by: 1_000_000) {
            #expect(unlimited.check(running: false, jobs: 1, usage: u) == nil)
            #expect(blind.check(running: false, jobs: 1, usage: nil) == nil)
        }
    }
}
