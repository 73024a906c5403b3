import Testing

@testable import DriverProtocol

@Suite struct LineFramerTests {
    @Test func splitsLinesAcrossChunks() {
        var f = LineFramer(maxLineBytes: 100)
        #expect(f.feed(Array("ab".utf8)) == [])
        #expect(f.feed(Array("c\nde\r\nf".utf8)) == [.line(Array("abc".utf8)), .line(Array("de".utf8))])
        #expect(f.pending == Array("f".utf8))
    }

    @Test func reportsAndSkipsOverlongLineThenRecovers() {
        var f = LineFramer(maxLineBytes: 4)
        let items = f.feed(Array("123456789\nok\n".utf8))
        #expect(items == [.tooLong(9), .line(Array("ok".utf8))])
    }

    @Test func driverMessagesRoundTrip() throws {
        let msgs: [DriverMessage] = [
            .request(id: 1, method: "execute", params: ["code": "print(1)"]),
            .notification(method: "output", params: ["seq": 0]),
            .result(id: 1, result: ["exitCode": 0]),
            .error(id: nil, code: -32700, message: "bad", data: nil),
        ]
        for m in msgs {
            var line = m.line
            #expect(line.removeLast() == 0x0A)
            #expect(try DriverMessage(parsing: line) == m)
        }
    }

    @Test func capabilitiesDecodeWithDefaults() {
        let caps = DriverCapabilities(json: ["languages": [["name": "ruby"]], "runtimeType": "Ruby"])
        #expect(caps?.languages.first?.name == "ruby")
        #expect(caps?.available == true)
        #expect(caps?.isolationLevel == 0)
        #expect(DriverCapabilities(json: ["runtimeType": "X"]) == nil)
    }
}
