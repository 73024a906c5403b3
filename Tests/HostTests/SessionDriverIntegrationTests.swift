import DriverProtocol
import Foundation
import Glibc
import Synchronization
import Testing

@testable import Host

/// The session manager over the real supervisor and the example bash driver (a real process).
@Suite(.serialized) struct SessionDriverIntegrationTests {
    struct Rig {
        let registry: DriverRegistry
        let manager: SessionManager
        let root = "/tmp/cb-sess-int/" + UUID().uuidString

        init() async throws {
            let logs = DriverTestSupport.LogCapture()
            registry = DriverRegistry(
                drivers: [.init(name: "bash", path: DriverTestSupport.exampleBashDriver)],
                config: DriverTestSupport.fastConfig(budget: 5), logSink: logs.sink)
            var config = SessionManagerConfig()
            config.workspaceRoot = root
            manager = SessionManager(directory: registry, config: config, logger: Logger("test", sink: logs.sink))
            manager.followRestarts(of: registry)
            registry.start()
            #expect(await registry.waitUntilSettled(timeout: 10))
        }

        func stop() async {
            await manager.shutdown()
            await registry.shutdownAll()
            try? FileManager.default.removeItem(atPath: root)
        }

        func run(
            _ id: String, _ command: SessionCommand, requestID: JSONValue = 1, stream: Bool = false,
            onEvent: SessionEventSink? = nil
        ) async throws -> CommandOutcome {
            try await manager.execute(
                sessionId: id, command: command,
                caller: CallerContext(principal: "alice", connectionID: 1, requestID: requestID),
                stream: stream, onEvent: onEvent)
        }
    }

    @Test func codeSeesHostWrittenFilesAndHostSeesCodeWrittenFiles() async throws {
        let rig = try await Rig()
        let s = try await rig.manager.create(params: ["language": "bash"], principal: "alice")
        _ = try await rig.run(
            s.id, .writeFile(path: "/workspace/data.txt", content: "from host\n", mode: .create, encoding: .utf8))
        let x = try await rig.run(
            s.id, .executeCode(.init(code: "cat data.txt; echo from code >> data.txt; echo oops >&2; exit 3")))
        #expect(
            !x.success && x.result["exitCode"] == 3 && x.result["stdout"] == "from host\n"
                && x.result["stderr"] == "oops\n")
        #expect(x.error == "Process exited with code 3")
        let r = try await rig.run(s.id, .readFile(path: "data.txt", encoding: .utf8))
        #expect(r.result["content"] == "from host\nfrom code\n")
        let sh = try await rig.run(s.id, .shell(.init(command: "ls", args: ["-1"], workingDirectory: "/workspace")))
        #expect(sh.success && sh.result["stdout"] == "data.txt\n")
        await rig.stop()
    }

    @Test func symlinkPlantedByCodeIsNotFollowedByFileCommands() async throws {
        let rig = try await Rig()
        let s = try await rig.manager.create(params: ["language": "bash"], principal: "alice")
        let ln = try await rig.run(s.id, .executeCode(.init(code: "ln -s /etc etc && ln -s /etc/hostname host")))
        #expect(ln.success)
        let a = try await rig.run(s.id, .readFile(path: "/workspace/etc/passwd", encoding: .utf8))
        let b = try await rig.run(s.id, .readFile(path: "host", encoding: .utf8))
        let c = try await rig.run(s.id, .writeFile(path: "etc/cb-evil", content: "x", mode: .create, encoding: .utf8))
        #expect(!a.success && !b.success && !c.success && a.error?.contains("symbolic link") == true)
        #expect(access("/etc/cb-evil", F_OK) != 0)
        await rig.stop()
    }

    @Test func streamingAndCancelThroughTheRealDriver() async throws {
        let rig = try await Rig()
        let s = try await rig.manager.create(params: ["language": "bash"], principal: "alice")
        let chunks = DriverTestSupport.LogCapture()
        let out = try await rig.run(
            s.id, .executeCode(.init(code: "echo one; sleep 0.05; echo two")), stream: true,
            onEvent: { m, p in if m == "output" { chunks.lines.withLock { $0.append(p["data"]?.string ?? "") } } })
        #expect(out.success && chunks.all.joined() == "one\ntwo\n")

        let caller = CallerContext(principal: "alice", connectionID: 1, requestID: 77)
        let started = Date()
        let run = Task {
            try await rig.manager.execute(
                sessionId: s.id, command: .executeCode(.init(code: "touch started; sleep 30")), caller: caller)
        }
        #expect(await eventually { access(s.workspace + "/started", F_OK) == 0 })  // the process is running
        let cancelled = await eventually {
            await rig.manager.cancel(requestID: 77, executionId: nil, sessionId: s.id, caller: caller)
        }
        #expect(cancelled)
        let r = try await run.value
        #expect(!r.success && r.result["cancelled"] == true && Date().timeIntervalSince(started) < 3)
        await rig.stop()
    }

    @Test func sessionSurvivesADriverCrash() async throws {
        let rig = try await Rig()
        let s = try await rig.manager.create(params: ["language": "bash"], principal: "alice")
        _ = try await rig.run(s.id, .writeFile(path: "keep.txt", content: "kept", mode: .create, encoding: .utf8))
        let supervisor = rig.registry.supervisor(named: "bash")!
        let pid = try #require(supervisor.pid)
        kill(pid, SIGKILL)
        #expect(await eventually(10) { supervisor.restarts >= 1 && supervisor.isReady })
        let x = try await rig.run(s.id, .executeCode(.init(code: "cat keep.txt")))
        #expect(x.success && x.result["stdout"] == "kept")
        await rig.stop()
    }
}
