/// Incremental `Transfer-Encoding: chunked` body decoder (RFC 9112 §7.1) that remembers where it stopped,
/// so each new read is scanned once. Extensions are ignored; trailers are skipped within a size limit.
struct ChunkedBodyDecoder: Sendable {
    enum Result: Sendable {
        case needMore
        case done(body: [UInt8], consumed: Int)
        case failure(status: Int, message: String)
    }

    private enum Phase: Sendable { case size, data(remaining: Int), dataEnd, trailer(bytes: Int) }

    private var offset: Int
    private var phase = Phase.size
    private var body: [UInt8] = []

    init(offset: Int = 0) { self.offset = offset }

    mutating func decode(_ buf: UnsafeRawBufferPointer, maxBody: Int, maxTrailer: Int) -> Result {
        while true {
            switch phase {
            case .size:
                guard let end = HTTPBytes.find(crlf: buf, from: offset) else {
                    if buf.count - offset > 1024 { return .failure(status: 400, message: "chunk size line too long") }
                    return .needMore
                }
                var size = 0, digits = 0, i = offset
                while i < end, let d = hexValue(buf[i]) {
                    size = size * 16 + d; digits += 1; i += 1
                    if digits > 15 { return .failure(status: 413, message: "chunk too large") }
                }
                guard digits > 0, i == end || buf[i] == UInt8(ascii: ";") || buf[i] == 32 || buf[i] == 9 else {
                    return .failure(status: 400, message: "malformed chunk size")
                }
                if size > maxBody - body.count { return .failure(status: 413, message: "body too large") }
                offset = end + 2
                phase = size == 0 ? .trailer(bytes: 0) : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, buf.count - offset)
                if take == 0 { return .needMore }
                body.append(contentsOf: buf[offset..<(offset + take)])
                offset += take
                phase = remaining == take ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                guard buf.count - offset >= 2 else { return .needMore }
                guard buf[offset] == 13, buf[offset + 1] == 10 else { return .failure(status: 400, message: "missing CRLF after chunk") }
                offset += 2
                phase = .size
            case .trailer(let bytes):
                guard let end = HTTPBytes.find(crlf: buf, from: offset) else {
                    if bytes + buf.count - offset > maxTrailer { return .failure(status: 431, message: "trailers too large") }
                    return .needMore
                }
                if end == offset { return .done(body: body, consumed: end + 2) }
                if bytes + end - offset > maxTrailer { return .failure(status: 431, message: "trailers too large") }
                phase = .trailer(bytes: bytes + end + 2 - offset)
                offset = end + 2
            }
        }
    }

    private func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: return Int(c - 48)
        case 97...102: return Int(c - 87)
        case 65...70: return Int(c - 55)
        default: return nil
        }
    }
}
