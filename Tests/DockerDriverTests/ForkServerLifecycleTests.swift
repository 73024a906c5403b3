import Testing

@testable import codebeaker_driver_docker

/// ForkServerLifecycle with injected events: starts, "ready", 'F' runs that find no server, and run ends.
@Suite struct ForkServerLifecycleTests {
    @Test func startsOnceAndIsReadyAfterItsReadyLine() {
        var l = ForkServerLifecycle()
        #expect(l.requestStart() == 1)
        #expect(l.requestStart() == nil)  // already starting
        l.sawReady(1)
        #expect(l.isReady)
        #expect(l.requestStart() == nil)
    }

    /// The flake: kill -9 -1 killed the server; the next execution's 'F' run found no server before its end was
    /// seen. The replacement must not start until the dead one's run ended (cb-runner removes the shared script
    /// path then), and must start by itself at that end (no further execution may come).
    @Test func aReplacementForAServerFoundGoneWaitsForTheOldEndThenStarts() {
        var l = ForkServerLifecycle()
        _ = l.requestStart()
        l.sawReady(1)
        l.markGone()
        #expect(!l.isReady)
        #expect(l.requestStart() == nil, "started while the dead server's run (and script removal) is pending")
        #expect(l.ended(1) == 2, "the wanted restart is made at the old end")
        l.sawReady(2)
        #expect(l.isReady)
        #expect(l.failures == 0)
    }

    @Test func aServerFoundGoneWithNoStartWantedJustEnds() {
        var l = ForkServerLifecycle()
        _ = l.requestStart()
        l.sawReady(1)
        l.markGone()
        #expect(l.ended(1) == nil)
        #expect(l.phase == .idle)
        #expect(l.requestStart() == 2)
    }

    @Test func aDeathSeenBeforeAnyFRunLetsTheNextExecutionStartAtOnce() {
        var l = ForkServerLifecycle()
        _ = l.requestStart()
        l.sawReady(1)
        #expect(l.ended(1) == nil)
        #expect(l.requestStart() == 2)
    }

    @Test func lateEventsOfAnOlderGenerationAreIgnored() {
        var l = ForkServerLifecycle()
        _ = l.requestStart()
        l.sawReady(1)
        _ = l.ended(1)
        #expect(l.requestStart() == 2)
        l.sawReady(1)  // a stale line
        #expect(!l.isReady)
        #expect(l.ended(1) == nil)
        #expect(l.phase == .starting(generation: 2))
        l.markGone()  // only a ready server can be found gone
        #expect(l.phase == .starting(generation: 2))
    }

    @Test func stopsRestartingAfterRepeatedFailedStarts() {
        var l = ForkServerLifecycle()
        for g in 1...ForkServerLifecycle.maxFailures {
            #expect(l.requestStart() == g)
            #expect(l.ended(g) == nil)
        }
        #expect(l.requestStart() == nil)
    }
}
