import DriverProtocol
import Foundation
import Glibc
import Testing

@testable import Host

/// A manager over in-memory drivers with its own workspace root and a settable clock.
struct ManagerFixture {
    let driver: SessionTestDriver
    let clock = TestClock()
    let root: String
    let manager: SessionManager

    init(driver: SessionTestDriver = SessionTestDriver(), configure: (inout SessionManagerConfig) -> Void = { _ in }) {
        self.driver = driver
        root = "/tmp/cb-sess-tests/" + UUID().uuidString
        var config = SessionManagerConfig()
        config.workspaceRoot = root
        configure(&config)
        let clock = self.clock
        manager = SessionManager(
            drivers: [driver], config: config, logger: Logger("test", sink: Logger.Sink { _ in }),
            now: { clock.now }, wallNow: { 1_761_566_400 + clock.now })
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: root) }
    func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

let alice = CallerContext(principal: "alice", connectionID: 1, requestID: 1)
let bob = CallerContext(principal: "bob", connectionID: 2, requestID: 1)

@Suite struct SessionManagerTests {
    @Test func createExecuteListCloseFlow() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        #expect(s.id.hasPrefix("s_") && s.id.count == 34)
        #expect(s.state == .active && s.containerId == "c-python-h1" && s.language == "python")
        #expect(f.exists(s.workspace))

        let w = try await f.manager.execute(
            sessionId: s.id,
            command: .writeFile(
                path: "/workspace/hello.py", content: "print('Hello, World!')",
                mode: .create, encoding: .utf8), caller: alice)
        #expect(w.success && w.result == ["path": "/workspace/hello.py", "bytes": 22] && w.error == nil)
        let r = try await f.manager.execute(
            sessionId: s.id, command: .readFile(path: "hello.py", encoding: .utf8), caller: alice)
        #expect(r.result["content"] == "print('Hello, World!')")
        let x = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "print:hi")), caller: alice)
        #expect(x.success && x.result["stdout"] == "hi\n" && x.result["exitCode"] == 0 && x.executionId != nil)

        let open = f.driver.calls("session.open").first!.params
        #expect(
            open["workspace"]?.string == s.workspace && open["options"]?["network"] == false
                && open["options"]?["memoryLimitMB"] == 512)
        let exec = f.driver.calls("execute").first!.params
        #expect(exec["timeoutMs"] == 30_000 && exec["handle"] == "python-h1" && exec["language"] == "python")

        let list = await f.manager.list(principal: "alice")
        #expect(list.count == 1 && list[0].executionCount == 3 && list[0].state == .active)

        let closed = try await f.manager.close(sessionId: s.id, principal: "alice")
        #expect(closed && !f.exists(s.workspace) && f.driver.liveHandles.isEmpty)
        #expect(await f.manager.list(principal: "alice").isEmpty)
    }

    @Test func failedCommandsAreResultsNotErrors() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "py"], principal: "alice")
        let missing = try await f.manager.execute(
            sessionId: s.id, command: .readFile(path: "/workspace/missing.py", encoding: .utf8), caller: alice)
        #expect(!missing.success && missing.error == "File not found: /workspace/missing.py" && missing.result == .null)
        let escape = try await f.manager.execute(
            sessionId: s.id, command: .readFile(path: "/etc/passwd", encoding: .utf8), caller: alice)
        #expect(!escape.success && escape.error?.contains("outside the workspace") == true)
        let exit = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "exit:3")), caller: alice)
        #expect(!exit.success && exit.error == "Process exited with code 3" && exit.result["stderr"] == "boom\n")
        let cwd = try await f.manager.execute(
            sessionId: s.id, command: .shell(.init(command: "ls", workingDirectory: "/tmp")), caller: alice)
        #expect(!cwd.success && f.driver.calls("shell").isEmpty)
    }

    @Test func anotherPrincipalsSessionLooksMissing() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        func error(_ op: () async throws -> Void) async -> RPCError? {
            do { try await op(); return nil } catch { return error as? RPCError }
        }
        let theirs = await error {
            _ = try await f.manager.execute(
                sessionId: s.id, command: .readFile(path: "a", encoding: .utf8), caller: bob)
        }
        let none = await error {
            _ = try await f.manager.execute(
                sessionId: "s_nope", command: .readFile(path: "a", encoding: .utf8), caller: bob)
        }
        #expect(theirs?.code == -32001 && theirs?.code == none?.code)
        #expect(theirs?.message == "Session not found: \(s.id)")
        #expect(await error { _ = try await f.manager.close(sessionId: s.id, principal: "bob") }?.code == -32001)
        #expect(await f.manager.list(principal: "bob").isEmpty)
        #expect(f.exists(s.workspace))
    }

    @Test func closeIsIdempotent() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        #expect(try await f.manager.close(sessionId: s.id, principal: "alice"))
        #expect(try await !f.manager.close(sessionId: s.id, principal: "alice"))
        #expect(f.driver.calls("session.close").count == 1)
    }

    @Test func reaperClosesIdleSessionsWithAShortTimeout() async throws {
        let f = ManagerFixture { $0.reaperInterval = .milliseconds(10) }; defer { f.cleanup() }
        let idle = try await f.manager.create(
            params: ["language": "python", "idleTimeoutMinutes": 1], principal: "alice")
        let busy = try await f.manager.create(
            params: ["language": "python", "idleTimeoutMinutes": 1], principal: "alice")
        await f.manager.startReaper()
        f.clock.advance(50)
        _ = try await f.manager.execute(
            sessionId: busy.id, command: .readFile(path: "x", encoding: .utf8), caller: alice)
        f.clock.advance(20)  // idle: 70 s without activity; busy: 20 s
        #expect(await eventually { await f.manager.count == 1 })
        #expect(await f.manager.list(principal: "alice").map(\.id) == [busy.id])
        #expect(!f.exists(idle.workspace))
        await f.manager.shutdown()
        #expect(await f.manager.count == 0)
    }

    @Test func maxLifetimeExpiresActiveSessions() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python", "maxLifetimeMinutes": 2], principal: "alice")
        for _ in 0..<4 {
            f.clock.advance(29)
            _ = try await f.manager.execute(
                sessionId: s.id, command: .readFile(path: "x", encoding: .utf8), caller: alice)
        }
        #expect(await f.manager.reapExpired().isEmpty)
        f.clock.advance(5)  // 121 s old
        #expect(await f.manager.reapExpired() == [s.id])
    }

    @Test func driverRestartReopensByHandleAndFilesSurvive() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        _ = try await f.manager.execute(
            sessionId: s.id, command: .writeFile(path: "keep.txt", content: "v1", mode: .create, encoding: .utf8),
            caller: alice)
        f.driver.forgetSessions()  // the driver restarted and lost its sandboxes
        let x = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "print:again")), caller: alice)
        #expect(x.success && x.result["stdout"] == "again\n")
        let opens = f.driver.calls("session.open")
        #expect(opens.count == 2 && opens[1].params["handle"] == "python-h1")
        let r = try await f.manager.execute(
            sessionId: s.id, command: .readFile(path: "keep.txt", encoding: .utf8), caller: alice)
        #expect(r.result["content"] == "v1")
    }

    @Test func crashFailsTheExecutionAndTheNextOneReopens() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let crash = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "crash")), caller: alice)
        #expect(!crash.success && crash.error?.contains("crashed") == true)
        _ = try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "print:1")), caller: alice)
        #expect(f.driver.calls("session.open").count == 2)
        await f.manager.driverRestarted("python")
        #expect(f.driver.calls("session.open").count == 3)
    }

    @Test func cancelStopsARunningExecutionAndLateCancelIsHarmless() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let caller = CallerContext(principal: "alice", connectionID: 1, requestID: 7)
        let run = Task {
            try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "sleep")), caller: caller)
        }
        #expect(await eventually { f.driver.calls("execute").count == 1 })
        #expect(await !f.manager.cancel(requestID: 7, executionId: nil, sessionId: nil, caller: bob))
        #expect(
            await eventually { await f.manager.cancel(requestID: 7, executionId: nil, sessionId: nil, caller: caller) })
        let outcome = try await run.value
        #expect(!outcome.success && outcome.result["cancelled"] == true)
        #expect(await !f.manager.cancel(requestID: 7, executionId: nil, sessionId: s.id, caller: caller))
    }

    @Test func aClosedConnectionsExecutionsAreCancelledRunningAndQueued() async throws {
        let f = ManagerFixture { $0.maxConcurrentExecutionsPerSession = 1 }; defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let gone = CallerContext(principal: "alice", connectionID: 5, requestID: 1)
        let other = CallerContext(principal: "alice", connectionID: 6, requestID: 1)
        let running = Task {
            try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "sleep")), caller: gone)
        }
        #expect(await eventually { f.driver.calls("execute").count == 1 })
        let queued = Task {
            try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "print:q")), caller: gone)
        }
        let kept = Task {
            try await f.manager.execute(
                sessionId: s.id, command: .executeCode(.init(code: "print:kept")), caller: other)
        }
        #expect(await eventually { await f.manager.running.values.filter { $0.connectionID == 5 }.count == 2 })
        #expect(await f.manager.cancelAll(connectionID: 5) == 2)
        #expect(try await running.value.result["cancelled"] == true)
        #expect(try await queued.value.result["cancelled"] == true)
        // The other connection's execution (queued behind them) now runs.
        #expect(try await kept.value.result["stdout"] == "kept\n")
        #expect(await f.manager.cancelAll(connectionID: 5) == 0)
    }

    @Test func executionsBeyondTheLimitQueueInOrder() async throws {
        let f = ManagerFixture { $0.maxConcurrentExecutionsPerSession = 1 }; defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let first = Task {
            try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "block")), caller: alice)
        }
        #expect(await eventually { f.driver.blockedCount == 1 })
        let second = Task {
            try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "print:2")), caller: alice)
        }
        // File commands do not wait for the slot.
        let file = try await f.manager.execute(
            sessionId: s.id, command: .writeFile(path: "f", content: "x", mode: .create, encoding: .utf8), caller: alice
        )
        #expect(file.success)
        try await Task.sleep(for: .milliseconds(50))
        #expect(f.driver.calls("execute").count == 1)  // the second is still queued
        f.driver.release()
        #expect(try await first.value.result["stdout"] == "released\n")
        #expect(try await second.value.result["stdout"] == "2\n")
    }

    @Test func eachSessionGetsItsOwnUidAndWorkspace() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let a = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let b = try await f.manager.create(params: ["language": "python"], principal: "alice")
        #expect(a.uid != b.uid && a.uid >= 100_000 && a.workspace != b.workspace)
    }

    @Test(.enabled(if: geteuid() == 0, "chown needs root"))
    func eachSessionsWorkspaceIsOwnedByItsUid() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let a = try await f.manager.create(params: ["language": "python"], principal: "alice")
        var st = stat()
        #expect(stat(a.workspace, &st) == 0 && st.st_uid == a.uid && st.st_mode & 0o777 == 0o700)
    }

    @Test func createRejectsUnsupportedStatefulAndUnknownLanguages() async throws {
        let plain = SessionTestDriver(
            name: "node",
            capabilities: DriverCapabilities(
                languages: [.init(name: "javascript")], runtimeType: "NodeJs", isolationLevel: 6, startupMs: 200,
                memoryMB: 60))
        let f = ManagerFixture(driver: plain); defer { f.cleanup() }
        await #expect(throws: RPCError.invalidParams("stateful", "is not supported by the NodeJs runtime")) {
            _ = try await f.manager.create(params: ["language": "node", "stateful": true], principal: "alice")
        }
        do {
            _ = try await f.manager.create(params: ["language": "ruby"], principal: "alice")
            Issue.record("expected no runtime")
        } catch { #expect(error.code == -32002 && error.message.contains("Installed languages: javascript")) }
        await #expect(throws: RPCError.self) {
            _ = try await f.manager.create(params: ["language": "python", "idleTimeoutMinutes": "x"], principal: "a")
        }
        #expect(await f.manager.count == 0)
    }

    @Test func timeoutAboveTheServerMaximumIsInvalidParams() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        await #expect(throws: RPCError.self) {
            _ = try await f.manager.execute(
                sessionId: s.id, command: .executeCode(.init(code: "x", timeout: 10_000)), caller: alice)
        }
        _ = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "x", timeout: 2)), caller: alice)
        #expect(f.driver.calls("execute").last?.params["timeoutMs"] == 2000)
    }

    @Test func hostGivesUpOnADriverThatIgnoresTheTimeout() async throws {
        let f = ManagerFixture { $0.timeoutGraceSeconds = 0.05 }; defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let r = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "block", timeout: 0.05)), caller: alice)
        f.driver.release()
        #expect(!r.success && r.result["timedOut"] == true && r.error?.contains("did not stop the run") == true)
        // The session is still usable; it re-opens the sandbox first.
        let next = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "print:ok")), caller: alice)
        #expect(next.success && f.driver.calls("session.open").count == 2)
    }

    @Test func concurrentCreatesExecutesAndClosesLeaveNothingBehind() async throws {
        // 40 clients of 3 principals at once: room for all their file commands in the gate.
        // (and a pool of its own, so other suites running in parallel do not share its queue).
        let f = ManagerFixture {
            $0.uidRange = 100_000...100_039; $0.maxConcurrentFileCommandsPerPrincipal = 40
            $0.filePool = FileWorkPool(threads: 2, capacity: 64)
        }; defer { f.cleanup() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let s = try await f.manager.create(params: ["language": "python"], principal: "p\(i % 3)")
                    let caller = CallerContext(principal: "p\(i % 3)")
                    _ = try await f.manager.execute(
                        sessionId: s.id,
                        command: .writeFile(path: "f", content: "\(i)", mode: .create, encoding: .utf8), caller: caller)
                    let x = try await f.manager.execute(
                        sessionId: s.id, command: .executeCode(.init(code: "print:\(i)")), caller: caller)
                    #expect(x.result["stdout"] == .string("\(i)\n"))
                    let r = try await f.manager.execute(
                        sessionId: s.id, command: .readFile(path: "f", encoding: .utf8), caller: caller)
                    #expect(r.result["content"] == .string("\(i)"))
                    try await f.manager.close(sessionId: s.id, principal: caller.principal)
                }
            }
            try await group.waitForAll()
        }
        #expect(await f.manager.count == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.root).isEmpty)
        #expect(f.driver.liveHandles.isEmpty)
        // All 40 uids were returned to the pool: 40 more sessions fit.
        for _ in 0..<40 { _ = try await f.manager.create(params: ["language": "python"], principal: "q") }
        await #expect(throws: RPCError.self) {
            _ = try await f.manager.create(params: ["language": "python"], principal: "r")
        }
    }
}
