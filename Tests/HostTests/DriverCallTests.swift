import DriverProtocol
import Foundation
import Glibc
import LinuxSystem
import Synchronization
import Testing

@testable import Host

extension DriverProcessTests {
    @Suite struct Calls {
        typealias S = DriverTestSupport

        func fake(
            _ config: DriverSupervisorConfig = S.fastConfig(budget: 5), mode: String? = nil,
            log: S.LogCapture = S.LogCapture()
        ) async throws -> DriverSupervisor {
            var c = config
            if let mode { c.environment["FAKE_MODE"] = mode }
            let s = DriverSupervisor(name: "fake", path: S.fixture("fake-driver.py"), config: c, logSink: log.sink)
            s.start()
            try #require(await s.waitUntilSettled(timeout: 10))
            try #require(s.driverState == .ready)
            return s
        }

        @Test func handshake_StoresCapabilities_AndSnapshotShowsThem() async throws {
            let s = try await fake()
            #expect(s.capabilities?.languages.first?.name == "fake")
            let snap = s.snapshot()
            #expect(snap["state"] == "ready")
            #expect(snap["version"] == "1")
            #expect(snap["protocolVersion"] == 1)
            #expect(snap["pid"]?.int == Int(s.pid ?? -1))
            #expect(snap["capabilities"]?["runtimeType"] == "Fake")
            await s.shutdown()
        }

        @Test func events_ReachOnEventInOrder_BeforeTheResult() async throws {
            let s = try await fake()
            let seen = Mutex<[Int]>([])
            let r = try await s.call("execute", params: ["session": "s1", "code": "echo 200"]) { method, params in
                if method == "output", let seq = params["seq"]?.int { seen.withLock { $0.append(seq) } }
            }
            // The call has returned: every event must already have been delivered.
            #expect(seen.withLock { $0 } == Array(0..<200))
            #expect(r["stdout"]?.string?.hasSuffix("199\n") == true)
            await s.shutdown()
        }

        @Test func concurrentCalls_EachGetTheirOwnEventsAndResult() async throws {
            let s = try await fake()
            let results = try await withThrowingTaskGroup(of: (Int, [Int], String).self) { group in
                for n in 1...100 {
                    group.addTask {
                        let seen = Mutex<[Int]>([])
                        let r = try await s.call("execute", params: ["session": "s1", "code": .string("echo \(n)")]) {
                            _, params in
                            seen.withLock { $0.append(params["seq"]?.int ?? -1) }
                        }
                        return (n, seen.withLock { $0 }, r["stdout"]?.string ?? "")
                    }
                }
                var all: [(Int, [Int], String)] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(results.count == 100)
            for (n, seqs, stdout) in results {
                #expect(seqs == Array(0..<n))
                #expect(stdout == (0..<n).map { "\($0)\n" }.joined())
            }
            await s.shutdown()
        }

        @Test func crashDuringCall_FailsWithinOneSecond_WithTheClearError_ThenRestarts() async throws {
            let s = try await fake()
            let restarted = Mutex(0)
            s.onRestart { restarted.withLock { $0 += 1 } }
            let firstPid = s.pid
            let started = DriverClock.now()
            do {
                _ = try await s.call("execute", params: ["code": "crash"], onEvent: nil)
                Issue.record("the call should fail")
            } catch {
                #expect(
                    error
                        == DriverCallError(
                            .crashed, "fake driver crashed during execute (exited with code 1); restarted"))
            }
            #expect(DriverClock.now() - started < 1)
            // The next call waits for the restart and works.
            let r = try await s.call("execute", params: ["code": "echo 1"], onEvent: nil)
            #expect(r["stdout"] == "0\n")
            #expect(s.restarts == 1)
            #expect(s.pid != firstPid)
            #expect(s.lastError == "exited with code 1")
            #expect(restarted.withLock { $0 } == 1)
            await s.shutdown()
        }

        @Test func taskCancellation_SendsCancel_AndReturnsTheCancelledResult() async throws {
            let s = try await fake()
            let task = Task { try await s.call("execute", params: ["code": "hang"], onEvent: nil) }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            let r = try await task.value
            #expect(r["cancelled"] == true)
            #expect(r["reason"] == "cancelled")
            await s.shutdown()
        }

        @Test func stuckCall_TimesOutOnTheHostSide() async throws {
            var c = S.fastConfig()
            c.callGrace = 0.2
            let s = try await fake(c)
            do {
                _ = try await s.call(
                    "execute", params: ["code": "hang-forever-unknown", "timeoutMs": 100], onEvent: nil)
                Issue.record("should time out")
            } catch {
                #expect(error.kind == .timedOut)
                #expect(error.message == "fake driver did not answer execute within 0.3 s")
            }
            #expect(s.isReady)
            await s.shutdown()
        }

        @Test func missedPings_KillAndRestartTheDriver() async throws {
            var c = S.fastConfig(budget: 1)
            c.pingInterval = 0.05
            c.pingTimeout = 0.05
            c.maxMissedPings = 3
            let log = S.LogCapture()
            let s = try await fake(c, mode: "no-ping", log: log)
            #expect(await waitFor(5) { s.driverState.name == "failed" })
            #expect(s.restarts == 1)
            #expect(s.driverState.reason?.hasPrefix("unresponsive: no ping reply in 0.15 s; killed") == true)
            await s.shutdown()
        }

        @Test func shutdown_StopsTheProcess_AndFailsLaterCalls() async throws {
            let s = try await fake()
            let pid = try #require(s.pid)
            await s.shutdown()
            #expect(!S.processExists(pid))
            #expect(s.driverState == .failed(reason: "shut down"))
            await #expect(throws: DriverCallError.self) { try await s.call("ping", params: [:], onEvent: nil) }
        }

        @Test func shutdown_EscalatesToSIGKILL_ForADriverThatIgnoresStdinEOF() async throws {
            var c = S.fastConfig()
            c.shutdownGrace = 0.2
            let s = DriverSupervisor(
                name: "silent", path: S.fixture("silent.sh"), config: c, logSink: S.LogCapture().sink)
            s.start()
            try await Task.sleep(for: .milliseconds(100))
            let pid = try #require(s.pid)
            let started = DriverClock.now()
            await s.shutdown()
            #expect(!S.processExists(pid))
            #expect(DriverClock.now() - started < 2)
        }

        func waitFor(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
            let deadline = DriverClock.now() + seconds
            while !condition() {
                if DriverClock.now() > deadline { return false }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return true
        }
    }
}
