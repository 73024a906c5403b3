import Foundation
import Glibc
import Testing
@testable import Host
import DriverProtocol

extension DriverProcessTests {
    @Suite struct CrashLoop {
        typealias S = DriverTestSupport

        @Test func hundredRestarts_LeaveNoZombiesAndNoLeakedFds() async throws {
            // Warm up lazily opened fds (logging, /proc, the test runner) before counting.
            _ = S.children()
            let fdsBefore = S.openFDCount()
            let childrenBefore = S.children()
            var c = S.fastConfig(budget: 100)
            c.restart = RestartPolicy(baseDelay: 0.001, maxDelay: 0.002, budget: 100, window: 600, stableAfter: 600)
            let s = DriverSupervisor(name: "loop", path: S.fixture("exit-at-once.sh"), config: c, logSink: S.LogCapture().sink)
            s.start()
            #expect(await s.waitUntilSettled(timeout: 60))
            #expect(s.restarts == 100)
            #expect(s.driverState.reason?.contains("gave up after 100 restarts") == true)
            await s.shutdown()
            // Each process's I/O thread closes its fds before reporting the exit, so nothing is pending here.
            let children = S.children()
            #expect(children.zombies == 0)
            #expect(children.total == childrenBefore.total)
            let fdsAfter = S.openFDCount()
            #expect(fdsAfter <= fdsBefore + 4, "fds before \(fdsBefore), after \(fdsAfter) (5 per leaked process)")
        }

        @Test func killMinus9_DuringALongExecution_FailsFast_AndTheNextExecutionWorks() async throws {
            let s = DriverSupervisor(name: "bash", path: S.exampleBashDriver, config: S.fastConfig(budget: 5), logSink: S.LogCapture().sink)
            s.start()
            try #require(await s.waitUntilSettled(timeout: 10))
            try #require(s.isReady)
            let workspace = NSTemporaryDirectory() + "cb-kill9-\(getpid())"
            try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: workspace) }
            let open: JSONValue = ["session": "s1", "workspace": .string(workspace), "handle": nil, "options": [:]]
            _ = try await s.call("session.open", params: open, onEvent: nil)
            let pid = try #require(s.pid)

            let long = Task { try await s.call("execute", params: ["session": "s1", "code": "sleep 30", "timeoutMs": 60000], onEvent: nil) }
            try await Task.sleep(for: .milliseconds(300))
            let killed = DriverClock.now()
            kill(pid, SIGKILL)
            do {
                _ = try await long.value
                Issue.record("the execution should fail")
            } catch let e as DriverCallError {
                #expect(e == DriverCallError(.crashed, "bash driver crashed during execution; restarted"))
            }
            #expect(DriverClock.now() - killed < 1)

            // The workspace belongs to the host and survives; the session is re-opened in the new process.
            _ = try await s.call("session.open", params: ["session": "s1", "workspace": .string(workspace), "handle": "bash:s1", "options": [:]], onEvent: nil)
            let r = try await s.call("execute", params: ["session": "s1", "code": "echo back"], onEvent: nil)
            #expect(r["stdout"] == "back\n")
            #expect(s.pid != pid)
            #expect(s.restarts == 1)
            await s.shutdown()
        }
    }
}
