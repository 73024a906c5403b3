import Testing

@testable import codebeaker_driver_docker

@Suite struct RunnerWireTests {
    @Test func encodesARunRequest_ByteExact() {
        let run = RunnerWire.Run(
            uid: 1000, gid: 1001, timeoutMs: 500, maxOutput: 64, cwd: "/w", filePath: "",
            fileContent: [], stdin: [0x41], argv: ["id"], env: ["A=1"])
        let bytes = RunnerWire.encodeRun(id: 7, run)
        let payload: [UInt8] = [
            0, 0, 3, 0xE8, 0, 0, 3, 0xE9, 0, 0, 1, 0xF4, 0, 0, 0, 64,
            0, 0, 0, 2, 0x2F, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x41,
            0, 0, 0, 1, 0, 0, 0, 2, 0x69, 0x64,
            0, 0, 0, 1, 0, 0, 0, 3, 0x41, 0x3D, 0x31,
        ]
        #expect(bytes == [UInt8(ascii: "R"), 0, 0, 0, 7, 0, 0, 0, UInt8(payload.count)] + payload)
    }

    @Test func decodesOutputAndExitFramesAcrossReads() throws {
        var d = RunnerWire.Decoder()
        let out = RunnerWire.frame(type: UInt8(ascii: "O"), id: 3, payload: Array("hi".utf8))
        let exit = RunnerWire.frame(
            type: UInt8(ascii: "X"), id: 3,
            payload: [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0])
        let all = out + exit
        var events: [(UInt32, RunnerWire.Event)] = []
        for b in all { events += try d.feed([b]) }
        #expect(events.count == 2)
        #expect(events[0].0 == 3 && events[0].1 == .stdout(Array("hi".utf8)))
        #expect(
            events[1].1
                == .exit(
                    .init(
                        exitCode: 2, signal: nil, timedOut: false, cancelled: false,
                        stdoutTruncated: true, stderrTruncated: false)))
    }

    @Test func signalledExitHasNoExitCode() throws {
        var d = RunnerWire.Decoder()
        let x = RunnerWire.frame(
            type: UInt8(ascii: "X"), id: 1, payload: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 9, 1, 0, 0, 0])
        let events = try d.feed(x)
        #expect(
            events.first?.1
                == .exit(
                    .init(
                        exitCode: nil, signal: 9, timedOut: true, cancelled: false,
                        stdoutTruncated: false, stderrTruncated: false)))
    }

    @Test func rejectsUnknownFrameType() {
        var d = RunnerWire.Decoder()
        #expect(throws: RunnerWire.Failure.unknownType(0x5A)) {
            try d.feed(RunnerWire.frame(type: 0x5A, id: 1, payload: []))
        }
    }
}

@Suite struct RunnerWireForkServerTests {
    @Test func forkServerRunsUseTheFFrameType() {
        let run = RunnerWire.Run(
            uid: 1, gid: 1, timeoutMs: 1, maxOutput: 1, cwd: "/", argv: ["/tmp/s.sock", "python3", "/tmp/a.py"])
        let r = RunnerWire.encodeRun(id: 1, run)
        let f = RunnerWire.encodeRun(id: 1, run, viaForkServer: true)
        #expect(r[0] == UInt8(ascii: "R") && f[0] == UInt8(ascii: "F"))
        #expect(Array(r.dropFirst()) == Array(f.dropFirst()))
    }

    @Test func exitFrameReportsAMissingForkServer() throws {
        var d = RunnerWire.Decoder()
        let x = RunnerWire.frame(type: UInt8(ascii: "X"), id: 2, payload: [0, 0, 0, 125, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
        guard case .exit(let e) = try d.feed(x).first?.1 else { Issue.record("no exit"); return }
        #expect(e.forkServerUnavailable && e.oomKilled && e.exitCode == 125)
    }
}
