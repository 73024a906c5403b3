import DriverKit
import DriverProtocol
import Testing

@Suite struct SandboxServiceTests {
    @Test func explain_Bwrap128PlusN_IsASignalDeath_NotAnExitCode() {
        let r = SandboxService.explain(RunResult(exitCode: 139), oomReason: nil)
        #expect(r.exitCode == nil && r.signal == 11 && r.reason == "killed by signal 11 (SIGSEGV)")
        let killed = SandboxService.explain(RunResult(exitCode: 137), oomReason: nil)
        #expect(killed.signal == 9 && killed.exitCode == nil)
    }

    @Test func explain_OrdinaryExitCodes_AreKept() {
        for code in [0, 1, 2, 127, 128, 160, 255] {
            let r = SandboxService.explain(RunResult(exitCode: code), oomReason: nil)
            #expect(r.exitCode == code && r.signal == nil && r.reason == nil, "\(code)")
        }
    }

    @Test func explain_TimeoutAndCancel_KeepTheirReason() {
        let t = SandboxService.explain(
            RunResult(exitCode: nil, signal: 9, timedOut: true, reason: "timed out after 1 s"), oomReason: nil)
        #expect(t.reason == "timed out after 1 s" && t.signal == 9)
        let c = SandboxService.explain(RunResult(exitCode: 137, cancelled: true, reason: "cancelled"), oomReason: nil)
        #expect(c.reason == "cancelled" && c.exitCode == 137)
    }

    @Test func explain_AnOOMKillDuringTheRun_GivesTheReason() {
        let r = SandboxService.explain(RunResult(exitCode: 137), oomReason: "killed: out of memory (limit 64 MB)")
        #expect(r.signal == 9 && r.reason == "killed: out of memory (limit 64 MB)")
    }
}
