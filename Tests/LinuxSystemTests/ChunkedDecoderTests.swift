import LinuxSystem
import Testing

@Suite struct ChunkedDecoderTests {
    /// Feeds `input` in pieces of `step` bytes; returns body and total consumed.
    static func decode(_ input: [UInt8], step: Int) throws -> ([UInt8], Int, Bool) {
        var d = ChunkedDecoder()
        var body: [UInt8] = []
        var consumed = 0
        var i = 0
        while i < input.count && !d.isDone {
            let end = min(i + step, input.count)
            let piece = Array(input[i..<end])
            let n = try piece.withUnsafeBytes { try d.feed($0, into: &body) }
            consumed += n
            i = end
            if n < piece.count { break }
        }
        return (body, consumed, d.isDone)
    }

    @Test func decodesChunksAndStopsAtTheEnd_ByteExact() throws {
        let wire = Array("4\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\nNEXT".utf8)
        let (body, consumed, done) = try Self.decode(wire, step: wire.count)
        #expect(body == Array("Wikipedia in \r\n\r\nchunks.".utf8))
        #expect(done)
        // Bytes of the next keep-alive response are left alone.
        #expect(consumed == wire.count - 4)
    }

    @Test func sameResultWhenFedOneByteAtATime() throws {
        let wire = Array("a;ext=1\r\n0123456789\r\n1\r\n!\r\n0\r\nX-Trailer: y\r\n\r\n".utf8)
        let whole = try Self.decode(wire, step: wire.count)
        let bytewise = try Self.decode(wire, step: 1)
        #expect(whole.0 == Array("0123456789!".utf8))
        #expect(bytewise.0 == whole.0)
        #expect(bytewise.1 == wire.count && bytewise.2)
    }

    @Test func binaryPayloadPassesThroughUnchanged() throws {
        let payload: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF, 0x30]
        let wire = Array("5\r\n".utf8) + payload + Array("\r\n0\r\n\r\n".utf8)
        #expect(try Self.decode(wire, step: 2).0 == payload)
    }

    @Test func rejectsNonHexSize() {
        #expect(throws: ChunkedDecoder.Failure.invalidChunkSize) { try Self.decode(Array("zz\r\n".utf8), step: 4) }
    }

    @Test func rejectsMissingCRLFAfterData() {
        #expect(throws: ChunkedDecoder.Failure.missingCRLF) { try Self.decode(Array("2\r\nabX\r\n".utf8), step: 16) }
    }

    @Test func rejectsHugeChunkSize() {
        #expect(throws: ChunkedDecoder.Failure.chunkTooLarge) {
            try Self.decode(Array("FFFFFFFFFF\r\n".utf8), step: 16)
        }
    }

    @Test func notDoneUntilFinalCRLF() throws {
        let (_, _, done) = try Self.decode(Array("1\r\na\r\n0\r\n".utf8), step: 64)
        #expect(!done)
    }

    /// Feeds `input` in one piece to a decoder with the given caps.
    static func decode(_ input: String, _ d: ChunkedDecoder) throws -> Bool {
        var d = d
        var body: [UInt8] = []
        let bytes = Array(input.utf8)
        _ = try bytes.withUnsafeBytes { b in try d.feed(b, into: &body) }
        return d.isDone
    }

    @Test func chunkExtensions_AreCapped_LikeTheSizeLine() {
        // The driver's old copy scanned an extension to CR without a bound.
        let long = "1;" + String(repeating: "x", count: 2000) + "\r\na\r\n0\r\n\r\n"
        #expect(throws: ChunkedDecoder.Failure.lineTooLong) { _ = try Self.decode(long, ChunkedDecoder()) }
    }

    @Test func body_IsCappedBeforeTheChunkIsRead() {
        let d = ChunkedDecoder(maxBody: 8)
        #expect(throws: ChunkedDecoder.Failure.bodyTooLarge) { _ = try Self.decode("5\r\nhello\r\n5\r\n", d) }
    }

    @Test func trailerSection_IsCappedAsAWhole_NotPerLine() {
        let d = ChunkedDecoder(maxTrailer: 64)
        let trailers = (0..<10).map { "T\($0): 0123456789\r\n" }.joined()  // ten short lines, ~160 bytes
        #expect(throws: ChunkedDecoder.Failure.trailerTooLarge) { _ = try Self.decode("0\r\n" + trailers + "\r\n", d) }
        #expect((try? Self.decode("0\r\nT: x\r\n\r\n", d)) == true)
    }
}
