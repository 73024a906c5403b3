import Testing

@testable import codebeaker_driver_docker

@Suite struct StreamDemuxerTests {
    static func frame(_ stream: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [stream, 0, 0, 0, UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
            + payload
    }

    @Test func splitsStdoutAndStderrFrames_ByteExact() throws {
        var d = StreamDemuxer()
        let bytes = Self.frame(1, Array("out\n".utf8)) + Self.frame(2, Array("err".utf8)) + Self.frame(1, [0xFF, 0x00])
        let frames = try d.feed(bytes)
        #expect(frames.count == 3)
        #expect(frames[0].0 == .stdout && frames[0].1 == Array("out\n".utf8))
        #expect(frames[1].0 == .stderr && frames[1].1 == Array("err".utf8))
        #expect(frames[2].0 == .stdout && frames[2].1 == [0xFF, 0x00])
        #expect(d.isAtFrameBoundary)
    }

    @Test func reassemblesFramesSplitAtEveryByte() throws {
        let payload = (0..<300).map { UInt8($0 & 0xFF) }
        let bytes = Self.frame(2, payload) + Self.frame(1, Array("tail".utf8))
        var d = StreamDemuxer()
        var out: [UInt8] = [], err: [UInt8] = []
        for b in bytes {
            for (s, piece) in try d.feed([b]) {
                if s == .stdout { out += piece } else { err += piece }
            }
        }
        #expect(err == payload)
        #expect(out == Array("tail".utf8))
        #expect(d.isAtFrameBoundary)
    }

    @Test func headerSplitMidLength_WaitsForTheRest() throws {
        var d = StreamDemuxer()
        let bytes = Self.frame(1, Array("hello".utf8))
        #expect(try d.feed(Array(bytes[0..<6])).isEmpty)
        #expect(!d.isAtFrameBoundary)
        let rest = try d.feed(Array(bytes[6...]))
        #expect(rest.count == 1 && rest[0].1 == Array("hello".utf8))
    }

    @Test func bigEndianLengthAbove255_IsDecoded() throws {
        var d = StreamDemuxer()
        let payload = [UInt8](repeating: 0x41, count: 70_000)
        let frames = try d.feed(Self.frame(1, payload))
        #expect(frames.count == 1 && frames[0].1.count == 70_000)
    }

    @Test func emptyFrame_EmitsNothingAndStaysInSync() throws {
        var d = StreamDemuxer()
        let frames = try d.feed(Self.frame(1, []) + Self.frame(2, Array("x".utf8)))
        #expect(frames.count == 1 && frames[0].0 == .stderr && frames[0].1 == [0x78])
    }

    @Test func unknownStreamType_Throws() {
        var d = StreamDemuxer()
        #expect(throws: StreamDemuxer.Failure.invalidStreamType(7)) { try d.feed(Self.frame(7, [1])) }
    }
}
