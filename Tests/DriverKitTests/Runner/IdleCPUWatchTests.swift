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

    @Test func idleReadsArePacedButJobsAlwaysCheck() {
        var w = IdleCPUWatch(budgetMicros: 500_000, readIntervalMs: 100)
        let first = w.due(now: 1_000, running: false)
        let wokenSoon = w.due(now: 1_040, running: false)  // woken again 40 ms later: no file read
        #expect(first && !wokenSoon)
        #expect(w.msUntilDue(now: 1_040) == 60)
        let running = w.due(now: 1_050, running: true)  // a running job's check needs no read: always due
        let next = w.due(now: 1_100, running: false)
        let tooSoon = w.due(now: 1_199, running: false)
        #expect(running && next && !tooSoon)
        #expect(w.msUntilDue(now: 1_250) == 0)
    }

    @Test func withoutABudgetEveryWakeUpIsDue() {
        var w = IdleCPUWatch(budgetMicros: nil)
        let a = w.due(now: 0, running: false)
        let b = w.due(now: 1, running: false)
        #expect(a && b)
    }
}
