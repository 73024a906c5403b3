import Testing

@testable import Transport

@Suite struct HTTPStreamingTests {
    @Test func chunk_IsHexLengthThenBytes_AndEmptyGivesNothing() {
        #expect(
            HTTPResponseWriter.chunk(Array("hello, streaming world!".utf8))
                == Array("17\r\nhello, streaming world!\r\n".utf8))
        #expect(HTTPResponseWriter.chunk([]) == [])
        #expect(HTTPResponseWriter.lastChunk == Array("0\r\n\r\n".utf8))
    }

    @Test func streamHead_IsChunkedWithoutContentLength() {
        let head = String(
            decoding: HTTPResponseWriter.streamHead(
                .streaming(
                    contentType: "text/event-stream", headers: [("Mcp-Session-Id", "m1")], AsyncStream { $0.finish() }),
                keepAlive: true),
            as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Transfer-Encoding: chunked\r\n") && !head.contains("Content-Length"))
        #expect(head.contains("Mcp-Session-Id: m1\r\n") && head.hasSuffix("Connection: keep-alive\r\n\r\n"))
    }

    @Test func streamedRoute_SendsChunks_ThenKeepsTheConnectionForTheNextRequest() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send(
            "GET /stream HTTP/1.1\r\nHost: localhost\r\n\r\nGET /echo-query?q=next HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        let all = String(decoding: c.readToEnd().bytes, as: UTF8.self)
        let body = "b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n"
        #expect(all.contains("Transfer-Encoding: chunked\r\n"))
        #expect(all.contains("X-Test: 1\r\n"))
        #expect(all.contains("\r\n\r\n" + body + "HTTP/1.1 200 OK"), "\(all)")
        #expect(all.hasSuffix("next"))
    }
}
