import Testing

@testable import Host
@testable import Transport

@Suite("HTTP/1.1 request parser")
struct HTTPRequestParserTests {
    enum Outcome: Equatable {
        case needMore
        case request(consumed: Int)
        case failure(Int)
    }

    static func parse(_ text: String, limits: HTTPRequestParser.Limits = .init()) -> (Outcome, HTTPRequest?) {
        parse(Array(text.utf8), limits: limits)
    }

    static func parse(_ bytes: [UInt8], limits: HTTPRequestParser.Limits = .init()) -> (Outcome, HTTPRequest?) {
        var p = HTTPRequestParser(limits: limits)
        switch bytes.withUnsafeBytes({ p.parse($0) }) {
        case .needMore: return (.needMore, nil)
        case .failure(let status, _): return (.failure(status), nil)
        case .request(let r, let consumed): return (.request(consumed: consumed), r)
        }
    }

    @Test("parses the request line, ordered lower-cased headers and the decoded query")
    func parsesSimpleRequest() throws {
        let text = "GET /health/ready?token=a%20b&x=1 HTTP/1.1\r\nHost: h\r\nX-B: 2\r\nX-A:  1 \r\n\r\n"
        let (outcome, r) = Self.parse(text)
        #expect(outcome == .request(consumed: text.utf8.count))
        let req = try #require(r)
        #expect(req.method == "GET" && req.path == "/health/ready" && req.minorVersion == 1 && req.keepAlive)
        #expect(req.query == ["token": "a b", "x": "1"])
        #expect(req.headers.map(\.name) == ["host", "x-b", "x-a"])
        #expect(req.headers.map(\.value) == ["h", "2", "1"])
    }

    @Test("feeding a request one byte more at a time gives needMore until it is complete")
    func incremental() {
        let bytes = Array("POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc".utf8)
        var p = HTTPRequestParser()
        for end in 0..<bytes.count {
            let r = Array(bytes[..<end]).withUnsafeBytes { p.parse($0) }
            guard case .needMore = r else { Issue.record("early result at \(end)"); return }
        }
        guard case .request(let req, let consumed) = bytes.withUnsafeBytes({ p.parse($0) }) else {
            Issue.record("no request"); return
        }
        #expect(req.body == Array("abc".utf8) && consumed == bytes.count)
    }

    @Test("pipelined requests are returned one at a time with their exact length")
    func pipelined() {
        let first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        let (outcome, r) = Self.parse(first + "GET /b HTTP/1.1\r\n\r\n")
        #expect(outcome == .request(consumed: first.utf8.count))
        #expect(r?.path == "/a")
    }

    @Test("keep-alive defaults: on for 1.1 unless Connection: close, off for 1.0 unless keep-alive")
    func keepAlive() {
        #expect(Self.parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").1?.keepAlive == false)
        #expect(Self.parse("GET / HTTP/1.0\r\n\r\n").1?.keepAlive == false)
        #expect(Self.parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").1?.keepAlive == true)
    }

    @Test("a request line over 8 KiB is refused with 414 even before its end arrives")
    func requestLineLimit() {
        let long = "GET /" + String(repeating: "a", count: 8 << 10)
        #expect(Self.parse(long).0 == .failure(414))
        #expect(Self.parse(long + " HTTP/1.1\r\n\r\n").0 == .failure(414))
    }

    @Test("a header block over 16 KiB is refused with 431 before it completes")
    func headerBlockLimit() {
        let big = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 17 << 10)
        #expect(Self.parse(big).0 == .failure(431))
    }

    @Test("more than 100 headers is refused with 431")
    func headerCountLimit() {
        let hundred = (0..<100).map { "H\($0): v\r\n" }.joined()
        #expect(Self.parse("GET / HTTP/1.1\r\n" + hundred + "\r\n").0 != .failure(431))
        #expect(Self.parse("GET / HTTP/1.1\r\n" + hundred + "Extra: 1\r\n\r\n").0 == .failure(431))
    }

    @Test("a Content-Length over the body limit is refused with 413 before the body is sent")
    func bodyLimit() {
        var limits = HTTPRequestParser.Limits()
        limits.maxBodyBytes = 10
        #expect(Self.parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: limits).0 == .failure(413))
        #expect(Self.parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n", limits: limits).0 == .needMore)
    }

    @Test(
        "framing attacks are refused",
        arguments: [
            ("CL with TE", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("TE with CL", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
            ("differing CLs", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
            ("CL list", "POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\n", 400),
            ("signed CL", "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n", 400),
            ("non-numeric CL", "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400),
            ("unknown coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            ("obs-fold", "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400),
            ("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
            ("empty header name", "GET / HTTP/1.1\r\n: h\r\n\r\n", 400),
            ("control char in value", "GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n", 400),
            ("garbage request line", "HELLO\r\n\r\n", 400),
            ("relative target", "GET foo HTTP/1.1\r\n\r\n", 400),
            ("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505),
        ])
    func refusesMalformed(name: String, text: String, status: Int) {
        #expect(Self.parse(text).0 == .failure(status), "\(name)")
    }

    @Test("identical duplicate Content-Lengths are accepted")
    func identicalContentLengths() {
        #expect(
            Self.parse("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok").1?.body
                == Array("ok".utf8))
    }

    @Test("chunked bodies decode with extensions and trailers, split anywhere")
    func chunked() {
        let text =
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nT: x\r\n\r\nNEXT"
        let bytes = Array(text.utf8)
        for split in stride(from: 40, to: bytes.count, by: 3) {
            var p = HTTPRequestParser()
            _ = Array(bytes[..<split]).withUnsafeBytes { p.parse($0) }
            guard case .request(let r, let consumed) = bytes.withUnsafeBytes({ p.parse($0) }) else {
                Issue.record("split \(split)"); continue
            }
            #expect(String(decoding: r.body, as: UTF8.self) == "hello0123456789")
            #expect(consumed == bytes.count - 4)
        }
    }

    @Test("a chunked body over the limit is refused with 413")
    func chunkedLimit() {
        var limits = HTTPRequestParser.Limits()
        limits.maxBodyBytes = 8
        #expect(
            Self.parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\n", limits: limits).0
                == .failure(413))
    }

    @Test("a request announcing a body with Expect: 100-continue is recognised once its head is in")
    func expectContinue() {
        var p = HTTPRequestParser()
        let head = Array("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8)
        guard case .needMore = head.withUnsafeBytes({ p.parse($0) }) else { Issue.record("unexpected result"); return }
        #expect(p.expectsContinue)
        var q = HTTPRequestParser()
        _ = Array("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n".utf8).withUnsafeBytes { q.parse($0) }
        #expect(!q.expectsContinue)
    }

    @Test("leading blank lines before a request are skipped")
    func leadingCRLF() {
        #expect(Self.parse("\r\nGET / HTTP/1.1\r\n\r\n").1?.path == "/")
    }
}
