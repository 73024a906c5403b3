/// The one incremental decoder for HTTP/1.1 `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1), used by
/// the host's request parser and the docker driver's Engine client.
/// Pure value type: feed it whatever arrived; it appends payload bytes to `out` and reports how many input
/// bytes it consumed, so bytes after the final chunk (the next keep-alive message) stay with the caller.
/// Every length is capped before anything is stored: a chunk size line, the body, the trailer section.
public struct ChunkedDecoder: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        case invalidChunkSize
        /// More than 15 hex digits, or a chunk over `maxChunkSize`.
        case chunkTooLarge
        /// The body would exceed `maxBody`.
        case bodyTooLarge
        case missingCRLF
        /// A chunk size line (with its extensions) over `maxSizeLine`.
        case lineTooLong
        /// The trailer section over `maxTrailer` bytes.
        case trailerTooLarge
    }

    private enum State: Sendable, Equatable {
        case size(value: Int, digits: Int)
        case sizeExtension(value: Int)
        case sizeLF(value: Int)
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLine(length: Int)
        case trailerLF(length: Int)
        case done
    }

    /// Chunks larger than this are treated as hostile.
    public static let maxChunkSize = 1 << 30

    public let maxBody: Int
    public let maxTrailer: Int
    public let maxSizeLine: Int
    private var state: State = .size(value: 0, digits: 0)
    private var bodyBytes = 0
    private var lineBytes = 0
    private var trailerBytes = 0

    public init(maxBody: Int = .max, maxTrailer: Int = 8 * 1024, maxSizeLine: Int = 1024) {
        self.maxBody = maxBody; self.maxTrailer = maxTrailer; self.maxSizeLine = maxSizeLine
    }

    public var isDone: Bool { state == .done }

    /// Decodes as much of `input` as possible. Returns the number of bytes consumed; stops
    /// right after the terminating CRLF of the trailer section.
    public mutating func feed(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) throws(Failure) -> Int {
        var i = 0
        let n = input.count
        while i < n {
            switch state {
            case .done:
                return i
            case .size(let value, let digits):
                let b = input[i]
                if let d = Self.hexValue(b) {
                    let v = value &* 16 &+ d
                    guard digits < 15, v <= Self.maxChunkSize else { throw .chunkTooLarge }
                    state = .size(value: v, digits: digits + 1)
                } else if digits == 0 {
                    throw .invalidChunkSize
                } else if b == UInt8(ascii: ";") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") {
                    state = .sizeExtension(value: value)
                } else if b == 0x0D {
                    state = .sizeLF(value: value)
                } else {
                    throw .invalidChunkSize
                }
                try countLine()
                i += 1
            case .sizeExtension(let value):
                // Extensions are ignored; scan to CR.
                if input[i] == 0x0D { state = .sizeLF(value: value) }
                try countLine()
                i += 1
            case .sizeLF(let value):
                guard input[i] == 0x0A else { throw .missingCRLF }
                if value > maxBody - bodyBytes { throw .bodyTooLarge }
                lineBytes = 0
                state = value == 0 ? .trailerLine(length: 0) : .data(remaining: value)
                i += 1
            case .data(let remaining):
                let take = min(remaining, n - i)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                bodyBytes += take
                i += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                guard input[i] == 0x0D else { throw .missingCRLF }
                state = .dataLF
                i += 1
            case .dataLF:
                guard input[i] == 0x0A else { throw .missingCRLF }
                state = .size(value: 0, digits: 0)
                i += 1
            case .trailerLine(let length):
                trailerBytes += 1
                guard trailerBytes <= maxTrailer + 2 else { throw .trailerTooLarge }
                state = input[i] == 0x0D ? .trailerLF(length: length) : .trailerLine(length: length + 1)
                i += 1
            case .trailerLF(let length):
                guard input[i] == 0x0A else { throw .missingCRLF }
                // An empty line ends the trailer section (and the body).
                state = length == 0 ? .done : .trailerLine(length: 0)
                if length > 0 { trailerBytes += 1 }
                i += 1
            }
        }
        return i
    }

    private mutating func countLine() throws(Failure) {
        lineBytes += 1
        if lineBytes > maxSizeLine { throw .lineTooLong }
    }

    private static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: return Int(b - 0x30)
        case 0x41...0x46: return Int(b - 0x41 + 10)
        case 0x61...0x66: return Int(b - 0x61 + 10)
        default: return nil
        }
    }
}
