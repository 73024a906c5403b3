import DriverProtocol
import Synchronization
import Testing

@testable import Host

@Suite struct MCPServerTests {
    let echo = FakeBackend { method, params throws(RPCCallError) -> JSONValue in
        switch method {
        case "execution.run":
            var r = runResult(stdout: "42\n").object!
            r["success"] = true; r["executionId"] = "x_1"
            return .object(r)
        case "session.execute" where params["sessionId"]?.string == "s_gone":
            throw .server(code: -32001, message: "Session not found: s_gone", data: nil)
        case "session.execute":
            return ["success": true, "result": ["path": "/workspace/a.txt", "bytes": 2], "error": nil]
        default: return [:]
        }
    }

    func call(_ name: String, _ arguments: String, id: Int = 7) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(name)","arguments":\#(arguments)}}"#
    }

    @Test func initialize_AnswersTheClientsVersion_WhenSupported() async {
        let server = MCPServer(backend: echo)
        for (asked, answered) in [
            ("2025-06-18", "2025-06-18"), ("2025-03-26", "2025-03-26"), ("1999-01-01", "2025-11-25"),
        ] {
            let out = await server.exchange(
                #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(asked)","capabilities":{}}}"#
            )
            #expect(out.first?["result"]?["protocolVersion"]?.string == answered)
            #expect(out.first?["result"]?["capabilities"]?["tools"] != nil)
        }
    }

    @Test func malformedMessages_GetJSONRPCErrors() async {
        let server = MCPServer(backend: echo)
        let cases: [(String, Int)] = [
            ("{nope", -32700), ("[1,2]", -32600), (#"{"id":1,"method":"ping"}"#, -32600),
            (#"{"jsonrpc":"2.0","id":1,"method":"nope/nope"}"#, -32601),
            (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rm_rf"}}"#, -32602),
            (#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[]}"#, -32602),
            (#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, -32600),
        ]
        for (text, code) in cases {
            let out = await server.exchange(text)
            #expect(out.count == 1 && out[0]["error"]?["code"]?.int == code, "\(text)")
        }
        #expect(await server.exchange(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#).first?["result"] == .object([:]))
    }

    @Test func notificationsAndResponses_GetNoReply() async {
        let server = MCPServer(backend: echo)
        #expect(await server.exchange(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).isEmpty)
        #expect(await server.exchange(#"{"jsonrpc":"2.0","id":5,"result":{}}"#).isEmpty)
    }

    @Test func toolsList_GivesEveryToolASchema() async {
        let out = await MCPServer(backend: echo).exchange(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        let tools = out.first?["result"]?["tools"]?.array ?? []
        #expect(
            Set(tools.compactMap { $0["name"]?.string }) == [
                "run_code", "create_session", "close_session", "list_sessions", "write_file", "read_file", "list_files",
                "run_shell", "install_packages", "list_languages",
            ])
        #expect(tools.allSatisfy { $0["inputSchema"]?["type"]?.string == "object" })
    }

    @Test func runCode_ReturnsTextAndStructuredContent() async {
        let out = await MCPServer(backend: echo).exchange(
            call("run_code", #"{"language":"python","code":"print(6*7)"}"#))
        let result = out.first?["result"]
        #expect(result?["isError"]?.bool == false)
        #expect(result?["structuredContent"]?["stdout"]?.string == "42\n")
        #expect(result?["structuredContent"]?["stdoutTruncated"]?.bool == false)
        #expect(result?["content"]?.array?.first?["text"]?.string?.hasPrefix("42\n") == true)
    }

    @Test func badArguments_AreToolErrors_NotProtocolErrors() async {
        let server = MCPServer(backend: echo)
        for args in [#"{"language":"python"}"#, #"{"code":5,"language":"python"}"#, #"{"code":"1","langauge":"py"}"#] {
            let out = await server.exchange(call("run_code", args))
            #expect(out.first?["result"]?["isError"]?.bool == true, "\(args)")
        }
        let gone = await server.exchange(call("read_file", #"{"session_id":"s_gone","path":"a"}"#))
        #expect(gone.first?["result"]?["isError"]?.bool == true)
        #expect(gone.first?["result"]?["content"]?.array?.first?["text"]?.string?.contains("create_session") == true)
    }

    @Test func writeFile_MapsToSessionExecute() async {
        let backend = echo
        let out = await MCPServer(backend: backend).exchange(
            call("write_file", #"{"session_id":"s_1","path":"a.txt","content":"hi","append":true}"#))
        #expect(out.first?["result"]?["isError"]?.bool == false)
        let sent = backend.calls.withLock { $0.last }
        #expect(sent?.0 == "session.execute")
        #expect(sent?.1["command"] == ["type": "write_file", "path": "a.txt", "content": "hi", "mode": "Append"])
    }

    @Test func progressToken_StreamsOutputAsProgressNotifications() async {
        let backend = FakeBackend(
            notifications: [("session.output", ["requestId": 1, "data": "a\n"]), ("session.output", ["data": "b\n"])]
        ) { _, _ throws(RPCCallError) -> JSONValue in ["success": true, "result": runResult(stdout: "a\nb\n")] }
        let out = await MCPServer(backend: backend).exchange(
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"_meta":{"progressToken":"t"},"name":"run_code","arguments":{"session_id":"s_1","code":"x"}}}"#
        )
        #expect(out.count == 3)
        #expect(out[0]["method"]?.string == "notifications/progress")
        #expect(out[0]["params"] == ["progressToken": "t", "progress": 1, "message": "a\n"])
        #expect(out[1]["params"]?["progress"]?.int == 2)
        #expect(out[2]["id"]?.int == 3)
        #expect(backend.calls.withLock { $0.last?.1["stream"]?.bool } == true)
    }

    @Test func cancelledNotification_StopsTheCall_AndSuppressesItsReply() async {
        let backend = FakeBackend(hold: ["execution.run"]) { _, _ throws(RPCCallError) -> JSONValue in [:] }
        let server = MCPServer(backend: backend)
        let box = Outbox()
        let running = Task {
            await server.receive(call("run_code", #"{"language":"python","code":"sleep"}"#, id: 9)) { box.send($0) }
        }
        while backend.calls.withLock({ $0.isEmpty }) { await Task.yield() }
        #expect(
            await server.exchange(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}}"#)
                .isEmpty)
        await running.value
        #expect(box.all.isEmpty)
        await server.close()
        let closed = backend.closed.load(ordering: .relaxed)
        #expect(closed)
        let late = await server.exchange(#"{"jsonrpc":"2.0","id":10,"method":"ping"}"#)
        #expect(late.first?["error"]?["message"]?.string == "Invalid Request: the MCP session has ended")
    }

    @Test func cancelledNotification_SendsSessionCancel_ToABackendThatPicksRequestIDs() async {
        let backend = FakeRemoteBackend()
        let server = MCPServer(backend: backend)
        let running = Task {
            await server.exchange(call("run_code", #"{"session_id":"s_1","code":"sleep"}"#, id: 4))
        }
        while backend.started.withLock({ $0.isEmpty }) { await Task.yield() }
        _ = await server.exchange(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":4}}"#)
        #expect(await running.value.isEmpty)
        let sent = backend.cancelled.withLock { $0 }
        #expect(sent == [["requestId": backend.started.withLock { $0[0] }, "sessionId": "s_1"]])
    }
}
