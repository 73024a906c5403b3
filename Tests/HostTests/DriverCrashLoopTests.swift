import DriverProtocol
import Foundation
import Glibc
import LinuxSystem
import Testing

@testable import Host

extension DriverProcessTests {
    @Suite struct CrashLoop {
        typealias S = DriverTestSupport

        @Test func hundredRestarts_LeaveNoZombiesNoLeakedFdsAndNoThreads() async throws {
            // Other suites may run in parallel and open fds or threads of their own, so the totals get some slack;
            // a leak here would show 100 times over (5 fds and 1 thread per driver process).
            let fdsBefore = S.openFDCount()
            let threadsBefore = S.threadCount()
            var c = S.fastConfig(budget: 100)
            c.restart = RestartPolicy(
                firstDelay: 0.001, baseDelay: 0.001, maxDelay: 0.002, budget: 100, window: 600, stableAfter: 600)
            let s = DriverSupervisor(
                name: "loop", path: S.fixture("exit-at-once.sh"), config: c, logSink: S.LogCapture().sink)
            s.start()
            #expect(await s.waitUntilSettled(timeout: 60))
            #expect(s.restarts == 100)
            #expect(s.driverState.reason?.contains("gave up after 100 restarts") == true)
            await s.shutdown()
            // Each process's I/O thread reaps it and closes its fds before reporting the exit: nothing is pending.
            let children = S.children(named: "exit-at-once")
            #expect(children.total == 0, "\(children.total) driver processes left, \(children.zombies) of them zombies")
            let fdsAfter = S.openFDCount()
            #expect(fdsAfter <= fdsBefore + 30, "fds before \(fdsBefore), after \(fdsAfter)")
            let threadsAfter = S.threadCount()
            #expect(threadsAfter <= threadsBefore + 20, "threads before \(threadsBefore), after \(threadsAfter)")
        }

        @Test func killMinus9_DuringALongExecution_FailsFast_AndTheNextExecutionWorks() async throws {
            let s = DriverSupervisor(
                name: "bash", path: S.exampleBashDriver, config: S.fastConfig(budget: 5), logSink: S.LogCapture().sink)
            s.start()
            try #require(await s.waitUntilSettled(timeout: 10))
            try #require(s.isReady)
            let workspace = NSTemporaryDirectory() + "cb-kill9-\(getpid())"
            try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: workspace) }
            let open: JSONValue = ["session": "s1", "workspace": .string(workspace), "handle": nil, "options": [:]]
            _ = try await s.call("session.open", params: open, onEvent: nil)
            let pid = try #require(s.pid)

            let long = Task {
                try await s.call(
                    "execute", params: ["session": "s1", "code": "sleep 30", "timeoutMs": 60000], onEvent: nil)
            }
            try await S.killDuringCall(pid, long, after: .milliseconds(300), driver: "bash")

            // The workspace belongs to the host and survives; the session is re-opened in the new process.
            _ = try await s.call(
                "session.open",
                params: ["session": "s1", "workspace": .string(workspace), "handle": "bash:s1", "options": [:]],
                onEvent: nil)
            let r = try await s.call("execute", params: ["session": "s1", "code": "echo back"], onEvent: nil)
            #expect(r["stdout"] == "back\n")
            #expect(s.pid != pid)
            #expect(s.restarts == 1)
            await s.shutdown()
        }
    }
}

extension DriverProcessTests {
    /// The issue's kill -9 case against the real Python driver (built beside the tests, or CODEBEAKER_PYTHON_DRIVER).
    /// Tests/e2e/test_drivers_builtin.py covers the built drivers through the host.
    @Suite struct RealDriver {
        typealias S = DriverTestSupport

        @Test(
            .enabled(
                if: S.configuredDriver("python") != nil,
                "codebeaker-driver-python not built beside the tests (swift build) nor named by CODEBEAKER_PYTHON_DRIVER"
            ))
        func pythonDriver_KilledDuringALongExecution_FailsFast_AndWorksAfterTheRestart() async throws {
            let path = try #require(S.configuredDriver("python"))
            let s = DriverSupervisor(
                name: "python", path: path, config: S.fastConfig(budget: 5), logSink: S.LogCapture().sink)
            s.start()
            try #require(await s.waitUntilSettled(timeout: 30))
            try #require(s.isReady, "python driver: \(s.driverState)")
            let workspace = try #require(ConformanceKit.makeWorkspace())
            defer { try? FileManager.default.removeItem(atPath: workspace) }
            func open(_ handle: JSONValue) async throws -> JSONValue {
                try await s.call(
                    "session.open",
                    params: [
                        "session": "s_kill9", "workspace": .string(workspace), "language": "python", "handle": handle,
                        "options": ["uid": 100999, "gid": 100999, "network": false, "memoryLimitMB": 512],
                    ], onEvent: nil)
            }
            let handle = try #require(try await open(nil)["handle"])
            let pid = try #require(s.pid)
            let long = Task {
                try await s.call(
                    "execute",
                    params: [
                        "session": "s_kill9", "handle": handle, "language": "python",
                        "code": "import time; time.sleep(30)", "timeoutMs": 60000,
                    ], onEvent: nil)
            }
            try await S.killDuringCall(pid, long, after: .milliseconds(500), driver: "python")
            let newHandle = try #require(try await open(handle)["handle"])
            let r = try await s.call(
                "execute",
                params: [
                    "session": "s_kill9", "handle": newHandle, "language": "python",
                    "code": "print(6 * 7)", "timeoutMs": 30000,
                ], onEvent: nil)
            #expect(r["stdout"] == "42\n")
            #expect(s.restarts == 1)
            await s.shutdown()
        }
    }
}

extension DriverTestSupport {
    /// Kills the driver `pid` with SIGKILL while `call` (a long execute) runs: the call must fail within a second,
    /// saying the driver crashed and was restarted.
    static func killDuringCall(_ pid: pid_t, _ call: Task<JSONValue, any Error>, after: Duration, driver: String)
        async throws
    {
        try await Task.sleep(for: after)
        let killed = DriverClock.now()
        kill(pid, SIGKILL)
        do {
            _ = try await call.value
            Issue.record("the execution should fail")
        } catch let e as DriverCallError {
            #expect(
                e
                    == DriverCallError(
                        .crashed, "\(driver) driver crashed during execute (killed by signal 9 (SIGKILL)); restarted"))
        }
        #expect(DriverClock.now() - killed < 1)
    }
}
