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

    @Test func explain_ACommandBwrapCannotFind_IsExit127_AsAShellSaysIt() {
        let missing = RunResult(exitCode: 1, stderr: "bwrap: execvp nosuch: No such file or directory\n")
        let r = SandboxService.explain(missing, command: ["nosuch", "a"], oomReason: nil)
        #expect(r.exitCode == 127 && r.stderr == "nosuch: command not found\n")
        let denied = RunResult(exitCode: 1, stderr: "bwrap: execvp /workspace/x: Permission denied\n")
        let d = SandboxService.explain(denied, command: ["/workspace/x"], oomReason: nil)
        #expect(d.exitCode == 126 && d.stderr == "/workspace/x: permission denied\n")
        // Only bwrap's own message for this very command: a program that fails with exit 1 keeps it.
        let other = RunResult(exitCode: 1, stderr: "bwrap: execvp nosuch: No such file or directory\n")
        #expect(SandboxService.explain(other, command: ["sh"], oomReason: nil) == other)
    }
}
