import DriverProtocol
import Foundation
import LinuxSystem
import Testing

@testable import Host

/// Every test that spawns driver processes lives under this serialized suite, so the fd and child counts of the
/// crash-loop test are not disturbed by its neighbours.
@Suite(.serialized) struct DriverProcessTests {}

extension DriverProcessTests {
    @Suite struct Misbehaving {
        typealias S = DriverTestSupport

        func supervise(_ fixture: String, _ config: DriverSupervisorConfig, log: S.LogCapture = S.LogCapture()) async
            -> DriverSupervisor
        {
            let s = DriverSupervisor(name: "bad", path: S.fixture(fixture), config: config, logSink: log.sink)
            s.start()
            let settled = await s.waitUntilSettled(timeout: 20)
            #expect(settled, "supervisor did not settle; state \(s.driverState)")
            return s
        }

        @Test func garbageOnStdout_EndsFailed_NamingTheOutput() async {
            let started = DriverClock.now()
            let s = await supervise("garbage.sh", S.fastConfig(budget: 2))
            #expect(
                DriverClock.now() - started < 1.5, "garbage must fail the handshake at once, not by its 2 s timeout")
            #expect(s.driverState.name == "failed")
            #expect(s.driverState.reason?.contains("non-protocol output to stdout: \"hello, I am not JSON\"") == true)
            #expect(s.driverState.reason?.contains("gave up after 2 restarts") == true)
            #expect(s.restarts == 2)
            #expect(s.pid == nil)
            await s.shutdown()
        }

        @Test func noHandshakeReply_EndsFailed_AfterTheTimeout() async {
            let started = DriverClock.now()
            let s = await supervise("silent.sh", S.fastConfig(budget: 1, handshakeTimeout: 0.3))
            #expect(s.driverState.reason?.contains("did not answer the handshake within 0.3 s") == true)
            #expect(DriverClock.now() - started < 5)
            await s.shutdown()
        }

        @Test func exitAtOnce_EndsFailed_WithTheExitCode() async {
            let s = await supervise("exit-at-once.sh", S.fastConfig(budget: 3))
            #expect(s.driverState.reason?.hasPrefix("exited with code 3; gave up after 3 restarts") == true)
            #expect(s.restarts == 3)
            await s.shutdown()
        }

        @Test func floodingStderr_IsRateLimitedInTheLog_AndTheDriverStillFails() async {
            let log = S.LogCapture()
            let started = DriverClock.now()
            let s = await supervise("flood-stderr.sh", S.fastConfig(budget: 0, handshakeTimeout: 1), log: log)
            let elapsed = DriverClock.now() - started
            #expect(s.driverState.reason?.contains("did not answer the handshake") == true)
            let floodLines = log.all.filter { $0.contains("flood flood") }
            #expect(floodLines.count >= 100)
            #expect(
                Double(floodLines.count) <= 200 + 50 * elapsed + 1, "the token bucket allows a burst of 200 plus 50/s")
            #expect(log.all.contains { $0.contains("suppressed") && $0.contains("stderr lines") })
            await s.shutdown()
        }

        @Test func wrongProtocolVersion_EndsFailed_WithoutRestarts() async {
            let s = await supervise("wrong-version.py", S.fastConfig(budget: 5))
            let reason = s.driverState.reason ?? ""
            #expect(reason.hasPrefix("protocol version mismatch: host speaks [1]"))
            #expect(reason.contains("driver speaks [2]"))
            #expect(s.restarts == 0)
            await s.shutdown()
        }

        @Test func missingRuntime_IsUnavailable_WithReasonAndHint_AndNotRestarted() async throws {
            let s = await supervise("unavailable.py", S.fastConfig(budget: 5))
            #expect(
                s.driverState == .unavailable(reason: "cobc not found on PATH", installHint: "apt-get install gnucobol")
            )
            #expect(s.restarts == 0)
            #expect(s.snapshot()["installHint"] == "apt-get install gnucobol")
            do {
                _ = try await s.call("execute", params: [:], onEvent: nil)
                Issue.record("call should fail")
            } catch {
                #expect(error.kind == .unavailable)
                #expect(error.message.contains("cobc not found on PATH"))
            }
            // The useless process is stopped, not left running.
            try await Task.sleep(for: .milliseconds(50))
            #expect(s.pid == nil)
            await s.shutdown()
        }

        @Test func runtimeInstalledLater_IsPickedUpByTheRecheck_WithoutCountingARestart() async throws {
            let marker = NSTemporaryDirectory() + "cb-marker-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: marker) }
            var c = S.fastConfig()
            c.recheckUnavailableAfter = 0.1
            c.environment["FAKE_MARKER"] = marker
            let s = await supervise("unavailable-until.py", c)
            #expect(s.driverState == .unavailable(reason: "later not installed", installHint: "touch the marker"))
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
            let deadline = DriverClock.now() + 10
            while !s.isReady && DriverClock.now() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(s.isReady)
            #expect(s.restarts == 0)
            #expect(s.capabilities?.available == true)
            await s.shutdown()
        }

        @Test func missingExecutable_EndsFailed_WithTheSpawnError() async {
            var c = S.fastConfig(budget: 1)
            c.restart.baseDelay = 0.001
            let s = DriverSupervisor(
                name: "ghost", path: "/nonexistent/codebeaker-driver-ghost", config: c, logSink: S.LogCapture().sink)
            s.start()
            #expect(await s.waitUntilSettled(timeout: 5))
            #expect(
                s.driverState.reason?.contains(
                    "could not start /nonexistent/codebeaker-driver-ghost: No such file or directory") == true)
            await s.shutdown()
        }
    }
}
