import DriverKit
import DriverProtocol
import Foundation
import Testing

extension RealDrivers {
    /// `SandboxService` on a real bwrap sandbox with a cgroup: binds, signal deaths and cancel.
    @Suite struct SandboxServiceIntegrationTests {
        @Test func readWriteBinds_AreWritable_ReadOnlyBindsAreNot() async throws {
            let ws = TestWorkspace(), build = TestWorkspace(), runtime = TestWorkspace()
            defer { ws.remove(); build.remove(); runtime.remove() }
            chown(build.path, uid_t(ws.uid), gid_t(ws.uid))
            chmod(runtime.path, 0o755)
            let req = try SessionOpenParams(json: ws.openParams("svc-\(getpid())-\(ws.uid)"))
            let s = try SandboxService.open(
                req, readOnlyBinds: [.init(runtime.path, "/opt/rt")], readWriteBinds: [.init(build.path, "/build")],
                cgroupPrefix: "test-")
            defer { SandboxService.close(s) }
            let job = SandboxService.Job(
                command: ["sh", "-c", "echo built > /build/out; touch /opt/rt/x 2>&1 || echo refused"],
                timeoutMs: 10_000)
            let r = try await SandboxService.run(job, in: s)
            #expect(r.exitCode == 0 && r.stdout.hasSuffix("refused\n"), "\(r)")
            #expect(FileManager.default.contents(atPath: build.path + "/out") == Data("built\n".utf8))
            #expect(!FileManager.default.fileExists(atPath: runtime.path + "/x"))
        }

        @Test func aSignalDeath_IsReportedAsTheSignal_WithItsReason() async throws {
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try SandboxService.open(
                try SessionOpenParams(json: ws.openParams("svc-\(getpid())-\(ws.uid)")), cgroupPrefix: "test-")
            defer { SandboxService.close(s) }
            let r = try await SandboxService.run(.init(command: ["sh", "-c", "kill -SEGV $$"]), in: s)
            #expect(r.signal == 11 && r.exitCode == nil && r.reason == "killed by signal 11 (SIGSEGV)", "\(r)")
        }

        @Test func firingTheCancelSignal_KillsTheRun_AndSaysCancelled() throws {
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try SandboxService.open(
                try SessionOpenParams(json: ws.openParams("svc-\(getpid())-\(ws.uid)")), cgroupPrefix: "test-")
            defer { SandboxService.close(s) }
            let cancel = CancelSignal()
            defer { cancel.close() }
            // Cancel once the program has started (its first output), so the kill is of a running tree.
            let r = try SandboxService.runBlocking(
                .init(command: ["sh", "-c", "echo started; exec sleep 60"]), in: s,
                onOutput: { _, _ in cancel.fire() }, cancel: cancel)
            #expect(r.cancelled && r.reason == "cancelled" && r.stdout == "started\n", "\(r)")
        }
    }
}
