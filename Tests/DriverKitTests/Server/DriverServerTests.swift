import DriverKit
import DriverProtocol
import Synchronization
import Testing

@Suite struct DriverServerTests {
    /// What the host encodes (the DriverProtocol types) reaches the runtime unchanged through the server's
    /// framing and decoding, and the reply decodes with the host's reply type.
    @Test func typedRequests_ReachTheRuntimeUnchanged_AndRepliesDecode() async throws {
        let runtime = FakeRuntime()
        let h = ServerHarness(runtime: runtime)
        let open = SessionOpenParams(
            session: "s1", workspace: "/ws/s1", language: "fake", handle: "old",
            options: SessionOpenOptions(
                memoryLimitMB: 64, pidsLimit: 32, network: true, stateful: true,
                uid: 100_500, gid: 100_500, env: ["K": "v"], cpuQuotaPercent: 50,
                allSessionsMemoryMB: 1024, idleCpuSeconds: 1.5))
        h.request(1, SessionOpenParams.method, open.json)
        guard case .result(1, let opened) = await h.next().first else { Issue.record("no open reply"); return }
        #expect(runtime.openRequests.withLock { $0 } == [open])
        #expect(try SessionOpenReply(json: opened).handle == "h-s1")
        let exec = ExecuteParams(
            session: "s1", handle: "h-s1", language: "fake", code: "abcd", timeoutMs: 1500, stdin: "x",
            env: ["A": "1"], stream: false, maxOutputBytes: 100)
        h.request(2, ExecuteParams.method, exec.json)
        guard case .result(2, let ran) = await h.next().first else { Issue.record("no execute reply"); return }
        #expect(runtime.executeRequests.withLock { $0 } == [ExecuteRequest(requestId: 2, params: exec)])
        #expect(RunReply(json: ran).run.stdout == "abcd")
    }

    @Test func handshake_PicksSharedVersion_AndReportsDriverAndCapabilities() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(1, "handshake", ["protocolVersions": [1, 7], "host": ["name": "t", "version": "0"]])
        let m = await h.next()
        guard case .result(1, let r) = m.first else { Issue.record("got \(m)"); return }
        #expect(r["protocolVersion"] == 1)
        #expect(r["driver"]?["name"] == "fake")
        #expect(r["driver"]?["version"] == "9.9.9")
        #expect(r["capabilities"]?["runtimeType"] == "Fake")
    }

    @Test func handshake_VersionMismatch_FailsNamingBothSides() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(1, "handshake", ["protocolVersions": [2, 3]])
        let m = await h.next()
        guard case .error(1, let code, let msg, _) = m.first else { Issue.record("got \(m)"); return }
        #expect(code == -32001)
        #expect(msg.contains("[2, 3]") && msg.contains("[1]"))
    }

    @Test func malformedLine_AnswersParseErrorWithNullId_AndKeepsServing() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.send("{not json")
        h.request(2, "ping")
        let m = await h.next(2)
        #expect(m.count == 2)
        guard case .error(nil, -32700, _, _) = m.first else { Issue.record("got \(m)"); return }
        #expect(m.last == .result(id: 2, result: [:]))
    }

    @Test func unknownMethod_IsMethodNotFound() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(3, "frobnicate")
        guard case .error(3, -32601, let msg, _) = await h.next().first else { Issue.record("no error"); return }
        #expect(msg.contains("frobnicate"))
    }

    @Test func badParams_AreInvalidParamsNamingTheField() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(4, "execute", ["session": "s1", "code": 5])
        guard case .error(4, -32602, let msg, _) = await h.next().first else { Issue.record("no error"); return }
        #expect(msg.contains("'code'"))
    }

    @Test func execute_StreamsOrderedEventsBeforeTheResponse() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(5, "execute", ["session": "s1", "code": "abcdef", "stream": true])
        let m = await h.next(3)
        guard m.count == 3, case .notification("output", let e0) = m[0], case .notification("output", let e1) = m[1],
            case .result(5, let r) = m[2]
        else { Issue.record("got \(m)"); return }
        #expect(e0["seq"] == 0 && e0["data"] == "abc" && e0["request"] == 5 && e0["session"] == "s1")
        #expect(e1["seq"] == 1 && e1["data"] == "def")
        #expect(r["stdout"] == "abcdef" && r["exitCode"] == 0)
    }

    @Test func execute_WithoutStream_SendsNoEvents() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(5, "execute", ["session": "s1", "code": "abcdef"])
        guard case .result(5, let r) = await h.next().first else { Issue.record("no result"); return }
        #expect(r["stdout"] == "abcdef")
    }

    @Test func cancel_StopsRunningRequest_AndLateCancelIsHarmless() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(6, "execute", ["session": "s1", "code": "block"])
        h.request(7, "cancel", ["request": 6])
        let m = await h.next(2)
        #expect(m.contains(.result(id: 7, result: ["cancelled": true])))
        let reply = m.first { if case .result(6, _) = $0 { return true } else { return false } }
        guard case .result(6, let r)? = reply else { Issue.record("got \(m)"); return }
        #expect(r["cancelled"] == true)
        h.request(8, "cancel", ["request": 6])
        #expect(await h.next() == [.result(id: 8, result: ["cancelled": false])])
    }

    @Test func stdinEOF_ShutsDownRuntime_AndExitsZero() async {
        let rt = FakeRuntime()
        let h = ServerHarness(runtime: rt)
        h.server.finishInput()
        let rest = await h.next(1)
        #expect(rest.isEmpty)
        #expect(h.exitFlag.isSet)
        #expect(rt.shutdownCalled)
    }

    @Test func shutdownRequest_RepliesThenExits() async {
        let rt = FakeRuntime()
        let h = ServerHarness(runtime: rt)
        h.request(9, "shutdown")
        #expect(await h.next(2) == [.result(id: 9, result: [:])])
        #expect(rt.shutdownCalled)
    }

    @Test func overlongLine_IsAParseError_AndTheNextLineIsServed() async {
        let h = ServerHarness(runtime: FakeRuntime())
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 10) + [0x0A]
        h.server.feed(big)
        h.request(3, "ping")
        let m = await h.next(2)
        guard case .error(nil, -32700, let msg, _) = m.first else { Issue.record("got \(m)"); return }
        #expect(msg.contains("exceeds"))
        #expect(m.last == .result(id: 3, result: [:]))
    }

    @Test func cancelAsNotification_StopsTheRequestWithoutAReply() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(6, "execute", ["session": "s1", "code": "block"])
        h.server.feed(DriverMessage.notification(method: "cancel", params: ["request": 6]).line)
        guard case .result(6, let r) = await h.next().first else { Issue.record("no result"); return }
        #expect(r["cancelled"] == true)
    }

    @Test func duplicateInFlightId_IsRejected() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(6, "execute", ["session": "s1", "code": "block"])
        h.request(6, "execute", ["session": "s1", "code": "x"])
        guard case .error(6, -32600, _, _) = await h.next().first else { Issue.record("no error"); return }
        h.request(7, "cancel", ["request": 6])
        #expect(await h.next(2).count == 2)
    }

    @Test func install_DefaultsToUnsupported() async {
        let h = ServerHarness(runtime: FakeRuntime())
        h.request(10, "install", ["session": "s", "manager": "pip", "packages": ["six"]])
        guard case .error(10, -32004, _, _) = await h.next().first else { Issue.record("no error"); return }
    }
}
