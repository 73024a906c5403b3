import Testing

@testable import Host
@testable import Transport

@Suite("WebSocket opening handshake")
struct WebSocketHandshakeTests {
    static let good: [(name: String, value: String)] = [
        ("host", "x"), ("upgrade", "websocket"), ("connection", "Upgrade"),
        ("sec-websocket-version", "13"), ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ]

    static func with(_ name: String, _ value: String?) -> [(name: String, value: String)] {
        var h = good.filter { $0.name != name }
        if let value { h.append((name, value)) }
        return h
    }

    @Test("a valid request returns its key; token lists and case are accepted")
    func accepts() {
        #expect(
            (try? WebSocketHandshake.validate(method: "GET", headers: Self.good).get()) == "dGhlIHNhbXBsZSBub25jZQ==")
        var h = Self.with("connection", "keep-alive, UPGRADE")
        h = h.filter { $0.name != "upgrade" } + [("upgrade", "WebSocket")]
        #expect((try? WebSocketHandshake.validate(method: "GET", headers: h).get()) != nil)
    }

    @Test(
        "each rejection, checked in order",
        arguments: [
            ("POST", "upgrade", "websocket", 400, "GET"),
            ("GET", "upgrade", nil, 400, "Upgrade"),
            ("GET", "upgrade", "h2c", 400, "Upgrade"),
            ("GET", "connection", "keep-alive", 400, "Connection"),
            ("GET", "sec-websocket-version", "12", 426, "version"),
            ("GET", "sec-websocket-version", nil, 426, "version"),
            ("GET", "sec-websocket-key", nil, 400, "Key"),
            ("GET", "sec-websocket-key", "not base64!", 400, "Key"),
            ("GET", "sec-websocket-key", "AAAAAAAAAAAAAAAAAAAA", 400, "Key"),  // 15 bytes
        ] as [(String, String, String?, Int, String)])
    func rejects(method: String, header: String, value: String?, status: Int, mentions: String) {
        let r = WebSocketHandshake.validate(method: method, headers: Self.with(header, value))
        guard case .failure(let rejection) = r else { Issue.record("accepted"); return }
        #expect(rejection.status == status)
        #expect(rejection.message.contains(mentions))
        #expect(rejection.headers == (status == 426 ? ["Sec-WebSocket-Version: 13"] : []))
    }

    @Test("an upgrade needs exactly one Host and HTTP/1.1 (RFC 6455 §4.2.1)")
    func hostAndVersion() {
        func status(_ r: Result<String, WebSocketHandshake.Rejection>) -> Int? {
            if case .failure(let rejection) = r { return rejection.status } else { return nil }
        }
        #expect(status(WebSocketHandshake.validate(method: "GET", headers: Self.with("host", nil))) == 400)
        #expect(status(WebSocketHandshake.validate(method: "GET", headers: Self.with("host", ""))) == 400)
        #expect(status(WebSocketHandshake.validate(method: "GET", headers: Self.good + [("host", "y")])) == 400)
        #expect(status(WebSocketHandshake.validate(method: "GET", minorVersion: 0, headers: Self.good)) == 400)
        #expect(status(WebSocketHandshake.validate(method: "GET", minorVersion: 1, headers: Self.good)) == nil)
    }

    @Test("the 101 response carries the accept value and echoes a chosen subprotocol")
    func response() {
        let text = String(
            decoding: WebSocketHandshake.response(key: "dGhlIHNhbXBsZSBub25jZQ==", subprotocol: "jsonrpc"),
            as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
        #expect(text.contains("Sec-WebSocket-Protocol: jsonrpc\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(
            !String(decoding: WebSocketHandshake.response(key: "k", subprotocol: nil), as: UTF8.self).contains(
                "Sec-WebSocket-Protocol"))
    }
}
