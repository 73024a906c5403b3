import Testing

@testable import Host
@testable import Transport

@Suite("WebSocket frame decoder and encoder")
struct WebSocketFrameCodecTests {
    /// Runs the decoder over `chunks`, collecting headers and unmasked payload.
    static func decode(_ chunks: [[UInt8]]) -> (
        headers: [WebSocketFrameHeader], payload: [UInt8], ends: Int, failure: UInt16?
    ) {
        var d = WebSocketFrameDecoder()
        var headers: [WebSocketFrameHeader] = [], payload: [UInt8] = [], ends = 0
        for chunk in chunks {
            var c = chunk
            let failure: UInt16? = c.withUnsafeMutableBytes { buf in
                var offset = 0
                while true {
                    switch d.next(buf, offset: &offset) {
                    case .needMore: return nil
                    case .header(let h): headers.append(h)
                    case .payload(let p): payload += Array(p)
                    case .frameEnd: ends += 1
                    case .failure(let code): return code
                    }
                }
            }
            if let failure { return (headers, payload, ends, failure) }
        }
        return (headers, payload, ends, nil)
    }

    @Test("the RFC 6455 masked 'Hello' sample decodes at every split point")
    func decodesMaskedSampleAtEverySplit() {
        let frame: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        for split in 0...frame.count {
            let r = Self.decode([Array(frame[..<split]), Array(frame[split...])])
            #expect(r.failure == nil)
            #expect(
                r.headers.count == 1 && r.headers[0].opcode == .text && r.headers[0].fin && r.headers[0].length == 5)
            #expect(r.payload == Array("Hello".utf8))
            #expect(r.ends == 1)
        }
    }

    @Test("16-bit and 64-bit lengths decode and unmask across odd chunk boundaries", arguments: [200, 70_000])
    func decodesExtendedLengths(count: Int) {
        let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frame = ClientFrame.make(0x2, payload)
        var chunks: [[UInt8]] = []
        var i = 0, step = 1
        while i < frame.count {
            let e = min(frame.count, i + step); chunks.append(Array(frame[i..<e])); i = e; step = step % 13 + 3
        }
        let r = Self.decode(chunks)
        #expect(r.failure == nil)
        #expect(r.headers.first?.length == UInt64(count))
        #expect(r.payload == payload)
    }

    @Test("a zero-length frame yields a header and an end")
    func zeroLengthFrame() {
        let r = Self.decode([ClientFrame.make(0x9, [])])
        #expect(r.headers.count == 1 && r.headers[0].opcode == .ping && r.ends == 1)
    }

    @Test("a 64-bit length with the top bit set is a protocol error")
    func rejectsTopBitLength() {
        let r = Self.decode([[0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]])
        #expect(r.failure == 1002)
    }

    @Test("the encoder writes the RFC 6455 unmasked 'Hello' sample")
    func encodesUnmaskedSample() {
        #expect(WebSocketFrameEncoder.textFrame("Hello") == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    }

    @Test("the encoder picks 7-bit, 16-bit and 64-bit lengths")
    func encodesLengthForms() {
        #expect(
            Array(WebSocketFrameEncoder.frame(opcode: .binary, payload: [UInt8](repeating: 0, count: 125)).prefix(2))
                == [0x82, 125])
        #expect(
            Array(WebSocketFrameEncoder.frame(opcode: .binary, payload: [UInt8](repeating: 0, count: 256)).prefix(4))
                == [0x82, 0x7E, 0x01, 0x00])
        #expect(
            Array(WebSocketFrameEncoder.frame(opcode: .binary, payload: [UInt8](repeating: 0, count: 65536)).prefix(10))
                == [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
    }

    @Test("close frames cut long reasons to 125 bytes on a UTF-8 boundary")
    func closeReasonFitsControlLimit() {
        let frame = WebSocketFrameEncoder.closeFrame(code: 1001, reason: String(repeating: "é", count: 100))
        #expect(frame[1] <= 125)
        #expect(Array(frame[2..<4]) == [0x03, 0xE9])
        #expect(UTF8Validator.isValid(UnsafeRawBufferPointer(start: nil, count: 0)))
        #expect(frame[4...].withUnsafeBytes { UTF8Validator.isValid($0) })
    }
}
