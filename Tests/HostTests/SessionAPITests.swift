import DriverProtocol
import Foundation
import Host
import Synchronization
import Testing

/// Calls SessionAPI methods the way the router would, collecting notifications.
final class APIHarness: Sendable {
    let fixture: ManagerFixture
    let api: SessionAPI
    let notes = Mutex<[(String, JSONValue)]>([])

    init(_ fixture: ManagerFixture = ManagerFixture()) {
        self.fixture = fixture
        api = SessionAPI(manager: fixture.manager)
    }

    var notifications: [(String, JSONValue)] { notes.withLock { $0 } }

    func call(
        _ method: String, _ params: JSONValue, id: JSONValue = 1, principal: String = "alice", connection: UInt64 = 1
    ) async throws -> JSONValue {
        let ctx = RPCContext(connectionID: connection, principal: principal, requestID: id) { [self] m, p in
            self.notes.withLock { $0.append((m, p)) }
        }
        return try await api.methods[method]!(params, ctx)
    }

    func rpcError(_ method: String, _ params: JSONValue) async -> RPCError? {
        do { _ = try await call(method, params); return nil } catch { return error as? RPCError }
    }
}

@Suite struct SessionAPITests {
    @Test func createResultHasTheSeedShape() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        let r = try await h.call(
            "session.create",
            ["language": "python", "idleTimeoutMinutes": 30, "maxLifetimeMinutes": 120, "memoryLimitMB": 512])
        #expect(
            Array(r.object!.keys.prefix(6)) == ["sessionId", "containerId", "language", "createdAt", "state", "config"])
        #expect(r["state"] == "Active" && r["language"] == "python")
        #expect(
            r["createdAt"]?.string?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression) != nil
        )
        #expect(r["config"]?["idleTimeoutMinutes"]?.int == 30 && r["config"]?["maxLifetimeMinutes"]?.int == 120)
        #expect(r["config"]?["memoryLimitMB"] == 512 && r["config"]?["network"] == false)
    }

    @Test func executeListCloseMatchTheSeeds() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        let id = try await h.call("session.create", ["language": "python"])["sessionId"]!
        let w = try await h.call(
            "session.execute",
            [
                "sessionId": id,
                "command": [
                    "type": "write_file", "path": "/workspace/hello.py",
                    "content": "print('Hello, World!')", "mode": "Create",
                ],
            ])
        #expect(Array(w.object!.keys) == ["success", "result", "error", "durationMs"])
        #expect(
            w["success"] == true && w["result"] == ["path": "/workspace/hello.py", "bytes": 22] && w["error"] == .null)
        let sh = try await h.call(
            "session.execute",
            [
                "sessionId": id,
                "command": [
                    "type": "execute_shell", "commandName": "python3",
                    "args": ["/workspace/hello.py"], "workingDirectory": "/workspace",
                ],
            ])
        #expect(Array(sh["result"]!.object!.keys.prefix(4)) == ["exitCode", "stdout", "stderr", "durationMs"])
        #expect(sh["executionId"]?.string?.hasPrefix("x_") == true)
        let missing = try await h.call(
            "session.execute", ["sessionId": id, "command": ["type": "read_file", "path": "/workspace/missing.py"]])
        #expect(
            missing["success"] == false && missing["result"] == .null
                && missing["error"] == "File not found: /workspace/missing.py")

        let list = try await h.call("session.list", [:])
        #expect(list["count"] == 1)
        let entry = list["sessions"]!.array![0]
        #expect(
            Array(entry.object!.keys.prefix(9)) == [
                "sessionId", "containerId", "language", "createdAt", "lastActivity", "state",
                "executionCount", "idleMinutes", "lifetimeMinutes",
            ])
        #expect(entry["executionCount"] == 3)
        #expect(try await h.call("session.close", ["sessionId": id]) == ["sessionId": id, "closed": true])
        #expect(try await h.call("session.close", ["sessionId": id]) == ["sessionId": id, "closed": true])
        #expect(try await h.call("session.list", [:])["count"] == 0)
    }

    @Test func badParamsAreInvalidParamsNamingTheField() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        #expect(await h.rpcError("session.create", [:])?.data?["field"] == "language")
        #expect(
            await h.rpcError("session.create", ["language": "python", "runtimePreference": "Fastest"])?.data?["field"]
                == "runtimePreference")
        #expect(
            await h.rpcError("session.execute", ["command": ["type": "read_file", "path": "a"]])?.data?["field"]
                == "sessionId")
        let id = try await h.call("session.create", ["language": "python"])["sessionId"]!
        #expect(await h.rpcError("session.execute", ["sessionId": id])?.data?["field"] == "command")
        #expect(await h.rpcError("session.execute", ["sessionId": id, "command": ["type": "nope"]])?.code == -32602)
        #expect(
            await h.rpcError(
                "session.execute", ["sessionId": "s_missing", "command": ["type": "read_file", "path": "a"]])?.code
                == -32001)
        #expect(await h.rpcError("session.cancel", [:])?.data?["field"] == "requestId")
    }

    @Test func streamingSendsOutputNotificationsTaggedWithTheRequestIdBeforeTheResult() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        let id = try await h.call("session.create", ["language": "python"])["sessionId"]!
        let r = try await h.call(
            "session.execute", ["sessionId": id, "stream": true, "command": ["type": "execute", "code": "print:hi"]],
            id: 42)
        #expect(r["success"] == true && r["result"]?["stdout"] == "hi\n")
        let outs = h.notifications.filter { $0.0 == "session.output" }.map(\.1)
        #expect(outs.map { $0["data"] } == ["hi", "\n"])
        #expect(outs.map { $0["seq"] } == [0, 1])
        #expect(outs.allSatisfy { $0["requestId"] == 42 && $0["sessionId"] == id && $0["stream"] == "stdout" })
        #expect(h.fixture.driver.calls("execute").last?.params["stream"] == true)
        // Without the flag: no notifications, stream:false to the driver.
        _ = try await h.call(
            "session.execute", ["sessionId": id, "command": ["type": "execute", "code": "print:quiet"]], id: 43)
        #expect(h.notifications.count == 2 && h.fixture.driver.calls("execute").last?.params["stream"] == false)
    }

    @Test func installForwardsToTheDriverWithProgress() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        let id = try await h.call("session.create", ["language": "python"])["sessionId"]!
        let r = try await h.call(
            "session.execute",
            [
                "sessionId": id, "stream": true,
                "command": [
                    "type": "install_packages", "packages": ["six==1.16.0"], "requirementsFile": "requirements.txt",
                ],
            ])
        #expect(
            r["success"] == true && r["result"]?["installed"] == [["name": "six==1.16.0", "version": "1.0"]]
                && r["result"]?["manager"] == "pip")
        let p = h.fixture.driver.calls("install").last!.params
        #expect(
            p["manager"] == "pip" && p["timeoutMs"] == 300_000 && p["requirementsFile"] == "/workspace/requirements.txt"
        )
        #expect(h.notifications.contains { $0.0 == "session.progress" && $0.1["message"] == "Collecting" })
    }

    @Test func executionRunIsStatelessAndStatusFindsItLater() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        let r = try await h.call("execution.run", ["language": "python", "code": "print:42", "timeout": 5])
        #expect(r["success"] == true && r["stdout"] == "42\n" && r["exitCode"] == 0 && r["status"] == "completed")
        #expect(r["sandboxStart"] == "cold")
        await h.fixture.manager.settlePool()  // the run's session is torn down after the answer
        #expect(await h.fixture.manager.count == 0)
        #expect(h.fixture.driver.calls("execute").last?.params["timeoutMs"] == 5000)
        let executionId = r["executionId"]!
        let s = try await h.call("execution.status", ["executionId": executionId])
        #expect(s["stdout"] == "42\n" && s["status"] == "completed")
        #expect(
            await h.rpcError("execution.status", ["executionId": "x_unknown"])?.message
                == "Execution not found: x_unknown")
        // Another principal cannot read it.
        await #expect(throws: RPCError.self) {
            _ = try await h.call("execution.status", ["executionId": executionId], principal: "bob")
        }
    }

    @Test func cancelMethodStopsAnExecutionFromAnotherRequest() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        let id = try await h.call("session.create", ["language": "python"])["sessionId"]!
        let run = Task {
            try await h.call(
                "session.execute", ["sessionId": id, "command": ["type": "execute", "code": "sleep"]], id: "req-9")
        }
        #expect(await eventually { h.fixture.driver.calls("execute").count == 1 })
        #expect(
            await eventually {
                (try? await h.call("execution.cancel", ["requestId": "req-9"], id: 10))?["cancelled"] == true
            })
        let r = try await run.value
        #expect(r["success"] == false && r["error"] == "cancelled")
        #expect(try await h.call("session.cancel", ["sessionId": id, "requestId": "req-9"]) == ["cancelled": false])
    }
}
