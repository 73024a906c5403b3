import DriverProtocol
import Testing

@testable import codebeaker_driver_runtimes

@Suite struct RunBudgetTests {
    @Test func theCompileIsCappedByTheRequestAndTheRunGetsWhatIsLeft() {
        let b = RunBudget(requestTimeoutMs: 30_000, limits: .init())
        #expect(b.compileTimeoutMs == 30_000)
        #expect(b.runTimeoutMs(compileSpentMs: 4_000) == 26_000)
        #expect(b.runTimeoutMs(compileSpentMs: 30_000) == 1_000)  // never less than a second
        let slow = RunBudget(requestTimeoutMs: 120_000, limits: .init(timeoutMs: 10_000, compileTimeoutMs: 90_000))
        #expect(slow.compileTimeoutMs == 90_000 && slow.runTimeoutMs(compileSpentMs: 0) == 10_000)
        #expect(RunBudget(requestTimeoutMs: 500, limits: .init()).runTimeoutMs(compileSpentMs: 600) == 500)
        #expect(RunBudget(requestTimeoutMs: 90_000, limits: .init()).compileTimeoutMs == 60_000)
    }

    @Test func outputAndSessionLimitsTakeTheTighter() {
        let b = RunBudget(requestTimeoutMs: 1, limits: .init(maxOutputBytes: 100))
        #expect(b.maxOutputBytes(1000) == 100 && b.maxOutputBytes(10) == 10)
        var o = SessionOpenOptions()
        o.memoryLimitMB = 512
        o.pidsLimit = 32
        let t = RunBudget.sessionOptions(o, .init(memoryMB: 256, pids: 64))
        #expect(t.memoryLimitMB == 256 && t.pidsLimit == 32)
    }
}
