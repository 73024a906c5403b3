import DriverProtocol
import Testing

/// Every message of the driver wire survives encode → bytes → parse → decode unchanged, and the bytes carry
/// the field names docs/driver-protocol.md documents (third-party drivers read those).
@Suite struct DriverWireMessagesTests {
    /// Through real bytes, as on the pipe: the encoder's JSON is written as a line and parsed back.
    func wire(_ json: JSONValue) throws -> JSONValue {
        let line = DriverMessage.request(id: 7, method: "m", params: json).line
        guard case .request(7, "m", let back) = try DriverMessage(parsing: Array(line.dropLast())) else {
            Issue.record("not a request"); return .null
        }
        return back
    }

    func roundTrip<P: DriverCallParams>(_ p: P) throws -> P { try P(json: try wire(p.json)) }
    func roundTrip<R: DriverReply>(reply r: R) throws -> R { try R(json: try wire(r.json)) }

    static let options = SessionOpenOptions(
        memoryLimitMB: 256, cpuShares: 512, pidsLimit: 64, network: true, stateful: true,
        uid: 100_123, gid: 100_124, dockerImage: "python:3.12-slim",
        permissions: ["allowNet": ["localhost"]], env: ["B": "2", "A": "1"],
        cpuQuotaPercent: 50, allSessionsMemoryMB: 21_694, idleCpuSeconds: 2.5,
        extra: ["vendorFlag": true])

    @Test func requests_RoundTripThroughBytes() throws {
        let open = SessionOpenParams(
            session: "s_1", workspace: "/ws/s_1", language: "python", handle: "h1", options: Self.options)
        #expect(try roundTrip(open) == open)
        let bare = SessionOpenParams(session: "s_2", workspace: "/ws/s_2")
        #expect(try roundTrip(bare) == bare)
        let close = SessionCloseParams(session: "s_1", handle: "h1")
        #expect(try roundTrip(close) == close)
        let exec = ExecuteParams(
            session: "s_1", handle: "h1", language: "python", code: "print('é\\n')\n", timeoutMs: 2000,
            stdin: "in", env: ["X": "1"], stream: true, maxOutputBytes: 4096)
        #expect(try roundTrip(exec) == exec)
        let shell = ShellParams(
            session: "s_1", handle: nil, command: "sh", args: ["-c", "echo hi"], cwd: "/workspace/sub",
            env: ["Y": "2"], stdin: nil, timeoutMs: 1, stream: false, maxOutputBytes: 0)
        #expect(try roundTrip(shell) == shell)
        let install = InstallParams(
            session: "s_1", handle: "h1", manager: "pip", packages: ["six==1.16.0"],
            requirementsFile: "/workspace/req.txt", global: true, flags: ["--no-deps"],
            timeoutMs: 300_000, stream: true)
        #expect(try roundTrip(install) == install)
        #expect(try roundTrip(CancelParams(request: 42)) == CancelParams(request: 42))
        let hello = HandshakeParams(protocolVersions: [1, 2], host: PeerInfo(name: "codebeaker", version: "0.1.0"))
        #expect(try roundTrip(hello) == hello)
        #expect(try roundTrip(PingParams()) == PingParams())
        #expect(try roundTrip(ShutdownParams()) == ShutdownParams())
    }

    @Test func waitReady_IsSentOnlyWhenTrue_AndRoundTrips() throws {
        var o = SessionOpenOptions()
        #expect(o.json["waitReady"] == nil)
        o.waitReady = true
        #expect(o.json["waitReady"] == true)
        let open = SessionOpenParams(session: "s_3", workspace: "/ws/s_3", language: "python", options: o)
        #expect(try roundTrip(open).options.waitReady)
        #expect(try SessionOpenOptions(json: ["waitReady": true]).extra.isEmpty)
    }

    @Test func replies_RoundTripThroughBytes() throws {
        let caps = DriverCapabilities(
            languages: [.init(name: "python", aliases: ["py"], extensions: [".py"])], runtimeType: "Python",
            isolationLevel: 6, startupMs: 20, memoryMB: 30, packageManagers: ["pip"], stateful: true)
        let hello = HandshakeReply(
            protocolVersion: 1, driver: PeerInfo(name: "python", version: "0.1.0"), capabilities: caps)
        #expect(try roundTrip(reply: hello) == hello)
        let open = SessionOpenReply(
            handle: "h1", containerId: "c1", isolationLevel: 7, readopted: true, extra: ["image": "python:3.12"])
        #expect(try roundTrip(reply: open) == open)
        #expect(try roundTrip(reply: SessionCloseReply(closed: true)) == SessionCloseReply(closed: true))
        #expect(try roundTrip(reply: CancelReply(cancelled: true)) == CancelReply(cancelled: true))
        let run = RunReply(
            run: RunResult(
                exitCode: nil, signal: 9, timedOut: true, stdout: "a", stderr: "b", stdoutTruncated: true,
                durationMs: 12, reason: "timed out after 2 s"), extra: ["driverNote": "x"])
        #expect(try roundTrip(reply: run) == run)
        let install = InstallReply(
            run: RunResult(exitCode: 0, stdout: "ok"), installed: [.init(name: "six", version: "1.16.0")],
            manager: "pip", extra: ["venv": "/workspace/.venv"])
        #expect(try roundTrip(reply: install) == install)
    }

    @Test func events_RoundTripThroughBytes() throws {
        let out = DriverEvent.output(OutputEvent(request: 7, session: "s_1", stream: "stderr", data: "x\u{1}y", seq: 3))
        let progress = DriverEvent.progress(ProgressEvent(request: 9, session: nil, message: "Collecting six", seq: 0))
        for e in [out, progress] {
            let line = e.message.line
            guard case .notification(let method, let params) = try DriverMessage(parsing: Array(line.dropLast())) else {
                Issue.record("not a notification"); continue
            }
            #expect(DriverEvent(method: method, params: params) == e)
        }
    }

    /// The documented bytes: field names and order as in docs/driver-protocol.md, so a third-party driver that
    /// was written from the doc reads what the host sends.
    @Test func hostRequests_HaveTheDocumentedBytes() {
        let open = SessionOpenParams(
            session: "s_1", workspace: "/ws/s_1", language: "python", handle: nil,
            options: SessionOpenOptions(
                memoryLimitMB: 512, cpuShares: 1024, pidsLimit: 256, uid: 100_123,
                gid: 100_123, env: [:], allSessionsMemoryMB: 21_694, idleCpuSeconds: 10))
        #expect(
            JSONWriter.string(open.json)
                == #"{"session":"s_1","workspace":"/ws/s_1","language":"python","handle":null,"#
                + #""options":{"memoryLimitMB":512,"cpuShares":1024,"pidsLimit":256,"network":false,"stateful":false,"#
                + #""uid":100123,"gid":100123,"dockerImage":null,"permissions":null,"env":{},"#
                + #""cpuQuotaPercent":0,"allSessionsMemoryMB":21694,"idleCpuSeconds":10}}"#)
        let exec = ExecuteParams(
            session: "s_1", handle: "h", language: "python", code: "print(1)", env: ["B": "2", "A": "1"])
        #expect(
            JSONWriter.string(exec.json) == #"{"session":"s_1","handle":"h","language":"python","code":"print(1)","#
                + #""timeoutMs":30000,"stdin":null,"env":{"A":"1","B":"2"},"stream":false,"maxOutputBytes":1048576}"#)
        let shell = ShellParams(session: "s_1", handle: "h", command: "python3", args: ["/workspace/a.py"])
        #expect(
            JSONWriter.string(shell.json)
                == #"{"session":"s_1","handle":"h","command":"python3","args":["/workspace/a.py"],"#
                + #""cwd":"/workspace","env":{},"stdin":null,"timeoutMs":30000,"stream":false,"maxOutputBytes":1048576}"#
        )
        let install = InstallParams(session: "s_1", handle: "h", manager: "pip", packages: ["six==1.16.0"])
        #expect(
            JSONWriter.string(install.json)
                == #"{"session":"s_1","handle":"h","manager":"pip","packages":["six==1.16.0"],"#
                + #""requirementsFile":null,"global":false,"flags":[],"timeoutMs":300000,"stream":false}"#)
        #expect(JSONWriter.string(CancelParams(request: 7).json) == #"{"request":7}"#)
        #expect(
            JSONWriter.string(HandshakeParams(host: PeerInfo(name: "codebeaker", version: "0.1.0")).json)
                == #"{"protocolVersions":[1],"host":{"name":"codebeaker","version":"0.1.0"}}"#)
        let out = OutputEvent(request: 7, session: "s_1", stream: "stdout", data: "1\n", seq: 0)
        #expect(JSONWriter.string(out.json) == #"{"request":7,"session":"s_1","stream":"stdout","data":"1\n","seq":0}"#)
    }

    /// Strict on the driver side: each bad field is a WireError naming it (the driver answers -32602).
    @Test func requestDecoders_RejectBadFields_NamingThem() {
        func message(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch { return (error as? WireError)?.message ?? "not a WireError: \(error)" }
        }
        #expect(message { _ = try ExecuteParams(json: ["session": "s", "code": 5]) }?.contains("'code'") == true)
        #expect(message { _ = try ExecuteParams(json: ["code": "x"]) }?.contains("'session'") == true)
        #expect(
            message { _ = try ExecuteParams(json: ["session": "s", "code": "x", "timeoutMs": 0]) }?.contains(
                "'timeoutMs'") == true)
        #expect(message { _ = try ExecuteParams(json: [1, 2]) }?.contains("params must be an object") == true)
        #expect(message { _ = try ShellParams(json: ["session": "s", "command": ""]) }?.contains("'command'") == true)
        #expect(
            message { _ = try SessionOpenParams(json: ["session": "s", "workspace": "rel"]) }?.contains("absolute")
                == true)
        #expect(
            message { _ = try SessionOpenParams(json: ["session": "s", "workspace": "/w", "options": ["uid": -1]]) }?
                .contains("options.uid") == true)
        #expect(
            message {
                _ = try SessionOpenParams(json: ["session": "s", "workspace": "/w", "options": ["memoryLimitMB": 1]])
            }?
            .contains("'memoryLimitMB'") == true)
        #expect(
            message {
                _ = try SessionOpenParams(json: ["session": "s", "workspace": "/w", "options": ["env": ["A": [1]]]])
            }?
            .contains("'env.A'") == true)
        #expect(message { _ = try CancelParams(json: [:]) }?.contains("'request'") == true)
        #expect(message { _ = try HandshakeParams(json: [:]) }?.contains("'protocolVersions'") == true)
        #expect(message { _ = try SessionOpenReply(json: ["handle": 5]) }?.contains("'handle'") == true)
    }

    /// Lenient on the host side, where the protocol gives defaults: a minimal third-party reply still reads.
    @Test func replyDecoders_TakeTheDocumentedDefaults() throws {
        let run = RunReply(json: ["exitCode": 0, "stdout": "1\n", "installed": [["name": "six"]]])
        #expect(run.run == RunResult(exitCode: 0, stdout: "1\n"))
        #expect(run.extra["installed"] == [["name": "six"]])
        #expect(RunReply(json: "garbage").run == RunResult())
        let hello = try HandshakeReply(json: ["protocolVersion": 1, "capabilities": ["runtimeType": "X"]])
        #expect(hello.protocolVersion == 1 && hello.capabilities == nil && hello.driver == nil)
        #expect(try HandshakeReply(json: [:]).protocolVersionText == "nothing")
        let open = try SessionOpenReply(json: ["handle": "h", "containerId": 5])
        #expect(open.handle == "h" && open.containerId == nil)
        #expect(
            DriverEvent(method: "output", params: ["request": 1])
                == .output(OutputEvent(request: 1, session: nil, stream: "stdout", data: "", seq: nil)))
        #expect(DriverEvent(method: "output", params: ["data": "x"]) == nil)
        #expect(DriverEvent(method: "vendor.event", params: ["request": 1]) == nil)
    }

    @Test func callTimeout_IsTheRunsOwnBudget() {
        #expect(ExecuteParams(session: "s", code: "x", timeoutMs: 1234).callTimeoutMs == 1234)
        #expect(DriverWire.callTimeoutMs(in: ExecuteParams(session: "s", code: "x", timeoutMs: 1234).json) == 1234)
        #expect(SessionOpenParams(session: "s", workspace: "/w").callTimeoutMs == nil)
        #expect(DriverWire.callTimeoutMs(in: SessionOpenParams(session: "s", workspace: "/w").json) == nil)
    }
}
