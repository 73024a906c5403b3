import DriverProtocol
import Glibc
import LinuxSystem

extension ConformanceKit {
    static func checkUnknownMethod(_ h: ConformanceHarness) async -> ConformanceCheck {
        guard let r = await h.call("conformance.no-such-method", [:], timeout: 10) else {
            return .fail("unknown-method", h.noReply(within: 10))
        }
        let code = r.rpcErrorCode
        return code == DriverWire.ErrorCode.methodNotFound
            ? .pass("unknown-method", "-32601")
            : .fail(
                "unknown-method",
                "expected error -32601, got \(code.map(String.init) ?? r.description.prefix(200).description)")
    }

    /// Answers `ping` within `timeout`: the driver is still alive and reading.
    static func answersPing(_ h: ConformanceHarness, timeout: Double) async -> Bool {
        await h.call(PingParams.method, PingParams().json, timeout: timeout)?["result"] != nil
    }

    static func checkMalformedLine(_ h: ConformanceHarness) async -> ConformanceCheck {
        let name = "malformed-line"
        let start = h.messageCount
        _ = h.sendRaw(Array("{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"ping\",, this is not json\n".utf8))
        guard let (_, r) = await h.wait(from: start, timeout: 10, { $0["error"] != nil && $0["id"] == .null }) else {
            return .fail(
                name,
                h.exit.map { "the driver \($0) after the malformed line" } ?? "no error reply with id null within 10 s")
        }
        guard r.rpcErrorCode == DriverWire.ErrorCode.parseError else {
            return .fail(name, "expected error -32700, got \(r.rpcErrorCode.map(String.init) ?? "none")")
        }
        return await answersPing(h, timeout: 10)
            ? .pass(name, "-32700, then answered ping") : .fail(name, "no ping reply after the malformed line")
    }

    /// Random bytes, wrong JSON types and a line over the size limit; the driver must answer a ping afterwards,
    /// and requests with wrongly typed params must get errors, not results.
    static func checkGarbage(_ h: ConformanceHarness) async -> ConformanceCheck {
        let name = "garbage"
        var random = SystemRandomNumberGenerator()
        var noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
        for i in noise.indices where noise[i] == 0x0A { noise[i] = 0x20 }
        _ = h.sendRaw(noise + [0x0A])
        _ = h.sendRaw([0xFF, 0xFE, 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D, 0x0A])  // invalid UTF-8
        let typed = [
            "[]", "42", "\"just a string\"", "null", "{}", "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":7}",
            "{\"jsonrpc\":\"2.0\",\"id\":901,\"method\":\"execute\",\"params\":\"oops\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":902,\"method\":\"session.open\",\"params\":{\"session\":5,\"workspace\":[]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":903,\"method\":\"execute\",\"params\":{\"session\":\"\(sessionId)\",\"code\":7}}",
            "{\"jsonrpc\":\"2.0\",\"id\":904,\"method\":\"cancel\",\"params\":{\"request\":\"x\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":905,\"method\":\"handshake\",\"params\":{\"protocolVersions\":\"1\"}}",
            "{\"a\":" + String(repeating: "[", count: 10000) + "}",
        ]
        for line in typed { _ = h.sendRaw(Array((line + "\n").utf8)) }
        let huge =
            Array("{\"jsonrpc\":\"2.0\",\"id\":990,\"method\":\"ping\",\"params\":{\"pad\":\"".utf8)
            + [UInt8](repeating: UInt8(ascii: "a"), count: DriverWire.maxLineBytes + 1024) + Array("\"}}\n".utf8)
        guard h.sendRaw(huge) else {
            return .fail(name, h.exit.map { "the driver \($0)" } ?? "the driver stopped reading its stdin")
        }
        guard await answersPing(h, timeout: 30) else {
            return .fail(name, h.exit.map { "the driver \($0)" } ?? "no ping reply within 30 s after garbage")
        }
        for id in 901...905 {
            guard let (_, r) = await h.response(to: id, timeout: 5) else {
                return .fail(name, "request \(id) with invalid params got no reply")
            }
            if r["error"] == nil {
                return .fail(
                    name, "request \(id) with invalid params must get an error, got \(r.description.prefix(160))")
            }
        }
        if let (_, r) = await h.response(to: 990, timeout: 0), r["result"] != nil {
            return .fail(name, "a line over \(DriverWire.maxLineBytes) bytes must be rejected, but it was answered")
        }
        return .pass(name, "survived random bytes, wrong types and a \(huge.count / 1_048_576) MiB line")
    }

    /// A second process: a host that speaks only version 999 must get -32001 (or at least a clear error).
    static func checkVersionMismatch(executable: String, logger: Logger) async -> (
        ConformanceCheck, ConformanceHarness?
    ) {
        let name = "version-mismatch"
        guard let h = try? await ConformanceHarness(executable: executable, logger: logger) else {
            return (.fail(name, "could not start a second process"), nil)
        }
        let params = HandshakeParams(
            protocolVersions: [999], host: PeerInfo(name: "codebeaker-driver-test", version: "0.1.0"))
        guard let r = await h.call(HandshakeParams.method, params.json, timeout: 10) else {
            return (.fail(name, h.noReply(within: 10)), h)
        }
        guard let code = r.rpcErrorCode else {
            return (.fail(name, "a host speaking only [999] must get an error, got \(r.description.prefix(160))"), h)
        }
        let message = r["error"]?["message"]?.string ?? ""
        if code == DriverWire.ErrorCode.versionMismatch { return (.pass(name, "-32001: \(message)"), h) }
        return (
            message.isEmpty
                ? .fail(name, "error \(code) without a message")
                : .pass(name, "error \(code) (expected -32001): \(message)"), h
        )
    }

    static func checkStdinEOF(_ h: ConformanceHarness) async -> ConformanceCheck {
        if let exit = h.exit { return .fail("stdin-eof", "the driver had already \(exit)") }
        let started = DriverClock.now()
        h.process.closeStdin()
        guard let exit = await h.waitExit(timeout: 5) else {
            return .fail("stdin-eof", "still running 5 s after stdin EOF")
        }
        let ms = Int((DriverClock.now() - started) * 1000)
        return .pass("stdin-eof", "\(exit) after \(ms) ms")
    }
}
