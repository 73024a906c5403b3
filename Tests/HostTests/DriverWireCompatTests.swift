import DriverProtocol
import Testing

@testable import Host

/// What the host really sends, as bytes on the pipe, must be accepted by the decoders a driver uses
/// (`DriverServer` decodes every request with these DriverProtocol types), field for field. A host-side change
/// of a field name or type fails here, not in production against a driver.
@Suite struct DriverWireCompatTests {
    /// The bytes the supervisor writes for a call (`DriverMessage.request(...).line`), parsed as a driver does.
    func driverSide(_ call: SessionTestDriver.Call) throws -> JSONValue {
        let line = DriverMessage.request(id: 1, method: call.method, params: call.params).line
        #expect(line.last == 0x0A)
        guard case .request(1, call.method, let params) = try DriverMessage(parsing: Array(line.dropLast())) else {
            Issue.record("the driver would not see a request"); return .null
        }
        return params
    }

    @Test func hostEncodedRequests_DecodeWithTheDriverTypes() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(
            params: [
                "language": "python", "memoryLimitMB": 256, "network": false,
                "env": ["Z": "26", "A": "1"],
            ], principal: "alice")
        _ = try await f.manager.execute(
            sessionId: s.id,
            command: .executeCode(
                .init(
                    code: "print:x", timeout: 2, stdin: "in",
                    env: ["E": "5"])), caller: alice, stream: true)
        _ = try await f.manager.execute(
            sessionId: s.id, command: .shell(.init(command: "echo", args: ["a", "b"], workingDirectory: "sub")),
            caller: alice)
        _ = try await f.manager.execute(
            sessionId: s.id, command: .installPackages(.init(packages: ["six==1.16.0"])), caller: alice)
        _ = try await f.manager.close(sessionId: s.id, principal: "alice")

        let open = try SessionOpenParams(json: driverSide(try #require(f.driver.calls("session.open").first)))
        #expect(
            open.session == s.id && open.workspace.hasPrefix("/") && open.language == "python" && open.handle == nil)
        #expect(
            open.options.memoryLimitMB == 256 && open.options.network == false
                && open.options.env == ["Z": "26", "A": "1"])
        #expect(open.options.uid != nil && open.options.uid == open.options.gid && open.options.extra.isEmpty)

        let close = try SessionCloseParams(json: driverSide(try #require(f.driver.calls("session.close").first)))
        let handle = try #require(close.handle)
        #expect(close.session == s.id && f.driver.liveHandles.isEmpty)
        let exec = try ExecuteParams(json: driverSide(try #require(f.driver.calls("execute").first)))
        #expect(
            exec
                == ExecuteParams(
                    session: s.id, handle: handle, language: "python", code: "print:x", timeoutMs: 2000, stdin: "in",
                    env: ["Z": "26", "A": "1", "E": "5"], stream: true, maxOutputBytes: exec.maxOutputBytes))
        let shell = try ShellParams(json: driverSide(try #require(f.driver.calls("shell").first)))
        #expect(
            shell.command == "echo" && shell.args == ["a", "b"] && shell.cwd == "/workspace/sub"
                && shell.handle == handle)
        let install = try InstallParams(json: driverSide(try #require(f.driver.calls("install").first)))
        #expect(install.manager == "pip" && install.packages == ["six==1.16.0"] && install.handle == handle)
    }
}

/// A third-party driver whose `session.open` reply breaks the contract (a non-string handle).
final class NumberHandleDriver: DriverClient {
    let name = "python"
    var capabilities: DriverCapabilities? { SessionTestDriver.pythonCaps }
    var isReady: Bool { true }
    func call(
        _ method: String, params: JSONValue,
        onEvent: (@Sendable (String, JSONValue) -> Void)?
    ) async throws(DriverCallError) -> JSONValue {
        method == SessionOpenParams.method ? ["handle": 5] : SessionCloseReply().json
    }
}

extension DriverWireCompatTests {
    @Test func nonStringHandle_FailsTheOpen_NamingTheField() async throws {
        var config = SessionManagerConfig()
        config.workspaceRoot = "/tmp/cb-wire-tests/" + String(UInt64.random(in: 0..<UInt64.max))
        let m = SessionManager(
            drivers: [NumberHandleDriver()], config: config, logger: Logger("test", sink: Logger.Sink { _ in }))
        do {
            _ = try await m.create(params: ["language": "python"], principal: "alice")
            Issue.record("the open should fail")
        } catch {
            #expect(
                error.message.contains(
                    "open failed: invalid session.open reply from the python driver: field 'handle' must be a string, got number"
                ),
                "\(error.message)")
        }
    }
}
