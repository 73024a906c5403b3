import Host
import Testing

@Suite struct SessionStateMachineTests {
    func machine(idle: Double = 1800, life: Double = 7200) -> SessionStateMachine {
        var m = SessionStateMachine(now: 0, idleTimeout: idle, maxLifetime: life, activeWindow: 60)
        m.opened(now: 0)
        return m
    }

    @Test func startsCreatingThenActiveThenIdleAfterTheActiveWindow() {
        let fresh = SessionStateMachine(now: 0, idleTimeout: 1800, maxLifetime: 7200)
        #expect(fresh.state(now: 0) == .creating)
        let m = machine()
        #expect(m.state(now: 10) == .active)
        #expect(m.state(now: 61) == .idle)
    }

    @Test func staysActiveWhileACommandRunsAndNeverIdleExpiresMidCommand() {
        var m = machine(idle: 100)
        let started = m.commandStarted(now: 10)
        #expect(started)
        #expect(m.state(now: 500) == .active)
        #expect(m.expiry(now: 500) == nil)
        #expect(m.idleSeconds(now: 500) == 0)
        m.commandFinished(now: 500)
        #expect(m.expiry(now: 599) == nil)
        #expect(m.expiry(now: 600) == .idleTimeout)
    }

    @Test func idleTimeoutCountsFromLastActivity() {
        var m = machine(idle: 1800)
        _ = m.commandStarted(now: 1000); m.commandFinished(now: 1001)
        #expect(m.expiry(now: 2800) == nil)
        #expect(m.expiry(now: 2801) == .idleTimeout)
        #expect(m.idleSeconds(now: 1151) == 150)
        #expect(m.executionCount == 1)
    }

    @Test func maxLifetimeExpiresEvenMidCommand() {
        var m = machine(idle: 1800, life: 7200)
        _ = m.commandStarted(now: 1000)
        #expect(m.expiry(now: 7000) == nil)  // running: no idle expiry
        #expect(m.expiry(now: 7199) == nil)
        #expect(m.expiry(now: 7200) == .maxLifetime)
        let late = m.commandStarted(now: 7200)
        #expect(!late)
    }

    @Test func closingIsIdempotentAndRefusesNewCommands() {
        var m = machine()
        let first = m.beginClose(), second = m.beginClose()
        #expect(first && !second)
        #expect(m.state(now: 1) == .closing)
        let started = m.commandStarted(now: 1)
        #expect(!started)
        m.finishClose()
        #expect(m.state(now: 1) == .closed)
        #expect(m.expiry(now: 1_000_000) == nil)
    }

    @Test func commandsCannotStartBeforeTheSandboxIsOpen() {
        var m = SessionStateMachine(now: 0, idleTimeout: 10, maxLifetime: 100)
        let started = m.commandStarted(now: 1)
        #expect(!started)
        let closing = m.beginClose()  // a half-created session can still be closed
        #expect(closing)
    }
}
