import CSystem
import DriverProtocol
import Testing

@testable import Host
@testable import Transport

@Suite("WebSocket client: masked frames, handshake, URL")
struct WebSocketClientTests {
    @Test func maskedFrame_IsByteExact_ForRFCExample() {
        // RFC 6455 §5.7: a masked "Hello" with key 37 fa 21 3d.
        let frame = WebSocketFrameEncoder.maskedFrame(opcode: .text, payload: Array("Hello".utf8), maskKey: 0x37FA_213D)
        #expect(frame == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test func maskedFrame_DecodesBack_WithServerDecoder() {
        let payload = [UInt8](repeating: 0x61, count: 70_000)
        var frame = WebSocketFrameEncoder.maskedFrame(opcode: .binary, payload: payload, maskKey: 0x0102_0304)
        var decoder = WebSocketFrameDecoder(requireMask: true)
        var out: [UInt8] = [], header: WebSocketFrameHeader?
        frame.withUnsafeMutableBytes { buf in
            var offset = 0
            loop: while true {
                switch decoder.next(buf, offset: &offset) {
                case .header(let h): header = h
                case .payload(let p): out += p
                case .frameEnd, .needMore, .failure: break loop
                }
            }
        }
        #expect(header?.masked == true && header?.length == 70_000)
        #expect(out == payload)
    }

    @Test func maskedCloseFrame_CarriesCode() {
        let frame = WebSocketFrameEncoder.maskedCloseFrame(code: 1000, maskKey: 0)
        #expect(frame == [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8])
    }

    @Test func handshake_AcceptsRFCSample() {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        let head =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: codebeaker.v1"
        #expect(WebSocketClientHandshake.check(head: head, key: key) == .success("codebeaker.v1"))
    }

    @Test func handshake_Rejects_WrongAccept() {
        let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: AAAA"
        guard case .failure(let f) = WebSocketClientHandshake.check(head: head, key: "dGhlIHNhbXBsZSBub25jZQ==")
        else { Issue.record("accepted a wrong Sec-WebSocket-Accept"); return }
        #expect(f.description == "wrong Sec-WebSocket-Accept")
    }

    @Test func handshake_Reports401_WithServersReason() {
        let r = WebSocketClientHandshake.check(
            head: "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json",
            body: #"{"error":"missing or invalid token"}"#, key: "k")
        #expect(r == .failure(.init(status: 401, description: "HTTP 401: missing or invalid token")))
    }

    @Test func handshake_Rejects_NonHTTP() {
        guard case .failure(let f) = WebSocketClientHandshake.check(head: "SSH-2.0-OpenSSH", key: "k") else {
            Issue.record("accepted a non-HTTP answer"); return
        }
        #expect(f.status == nil)
    }

    @Test func request_HasKeyVersionAndProtocols() {
        let text = String(
            decoding: WebSocketClientHandshake.request(
                host: "h:1", path: "/ws/jsonrpc", key: "K", protocols: ["codebeaker.v1", "codebeaker.bearer.t"]),
            as: UTF8.self)
        #expect(text.hasPrefix("GET /ws/jsonrpc HTTP/1.1\r\nHost: h:1\r\n"))
        #expect(text.contains("Sec-WebSocket-Key: K\r\nSec-WebSocket-Version: 13\r\n"))
        #expect(text.contains("Sec-WebSocket-Protocol: codebeaker.v1, codebeaker.bearer.t\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func url_ParsesHostPortPath() {
        let u = WebSocketURL("ws://127.0.0.1:5039/ws/jsonrpc")
        #expect(u == WebSocketURL(secure: false, host: "127.0.0.1", port: 5039, path: "/ws/jsonrpc"))
        #expect(WebSocketURL("ws://example.test")?.path == "/ws/jsonrpc")
        #expect(WebSocketURL("ws://example.test")?.port == 80)
        #expect(WebSocketURL("wss://example.test")?.secure == true)
        #expect(WebSocketURL("ws://[::1]:7/x")?.host == "::1")
        #expect(WebSocketURL("ws://[::1]:7/x")?.hostHeader == "[::1]:7")
        #expect(WebSocketURL("http://example.test") == nil)
        #expect(WebSocketURL("ws://h:99999") == nil)
        #expect(WebSocketURL("ws://user@h") == nil)
    }

    @Test func connect_ToClosedPort_FailsWithOneLine() async {
        do {
            _ = try await WebSocketBackend.connect(url: "ws://127.0.0.1:1/ws/jsonrpc", token: nil, timeout: 2)
            Issue.record("connected to port 1")
        } catch {
            #expect(error.description.contains("connection refused"))
        }
    }
}

extension WebSocketURL {
    init(secure: Bool, host: String, port: Int, path: String) {
        self.init("ws://x")!
        self.secure = secure; self.host = host; self.port = port; self.path = path
    }
}

@Suite("WebSocket client: deadlines")
struct WebSocketClientDeadlineTests {
    @Test func silentServer_HandshakeTimesOut() async throws {
        // A listening socket nobody accepts from: the kernel completes the TCP handshake, nothing answers.
        var port: Int32 = 0
        let fd = cs_tcp_listen("127.0.0.1", 0, 8, &port)
        #expect(fd >= 0)
        defer { _ = cs_close_fd(fd) }
        do {
            _ = try await WebSocketBackend.connect(url: "ws://127.0.0.1:\(port)/", token: nil, timeout: 1)
            Issue.record("connected to a silent server")
        } catch {
            #expect(error.description == "WebSocket handshake with 127.0.0.1:\(port) failed: no answer within 1 s")
        }
    }
}
