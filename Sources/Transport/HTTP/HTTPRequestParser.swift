import LinuxSystem

/// Incremental HTTP/1.1 request parser: a pure state machine over the bytes received so far for the current
/// request (the caller keeps them contiguous and drops `consumed` bytes after each request). Limits are checked
/// as soon as they can be, so an oversized head or body is refused before it is buffered.
public struct HTTPRequestParser: Sendable {
    public struct Limits: Sendable {
        public var maxRequestLineBytes = 8 << 10
        public var maxHeaderBytes = 16 << 10
        public var maxHeaderCount = 100
        public var maxBodyBytes = 1 << 20
        public init() {}
    }

    public enum Result: Sendable {
        case needMore
        case request(HTTPRequest, consumed: Int)
        /// Answer with this status and close the connection.
        case failure(status: Int, message: String)
    }

    enum Framing: Sendable {
        case length(Int)
        case chunked
    }

    public let limits: Limits
    private var scanned = 0
    private var head: HTTPRequest?
    private var bodyStart = 0
    private var framing = Framing.length(0)
    private var chunked = ChunkedDecoder()
    /// How far into the buffer the chunked decoder has read, and what it decoded so far.
    private var chunkedOffset = 0
    private var chunkedBody: [UInt8] = []

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// True once the current request's head is parsed and only its body is missing.
    public var hasHead: Bool { head != nil }

    /// The head is in, a body is announced, and the client waits for `100 Continue` before sending it.
    public var expectsContinue: Bool {
        guard let head, head.minorVersion == 1, head.header("expect")?.lowercased() == "100-continue" else {
            return false
        }
        if case .length(0) = framing { return false }
        return true
    }

    public mutating func parse(_ buf: UnsafeRawBufferPointer) -> Result {
        if head == nil {
            switch parseHead(buf) {
            case .needMore: return .needMore
            case .failure(let status, let message): return .failure(status: status, message: message)
            case .request: break
            }
        }
        switch framing {
        case .length(let n):
            guard buf.count - bodyStart >= n else { return .needMore }
            return finish(body: Array(buf[bodyStart..<(bodyStart + n)]), consumed: bodyStart + n)
        case .chunked:
            do throws(ChunkedDecoder.Failure) {
                chunkedOffset += try chunked.feed(
                    UnsafeRawBufferPointer(rebasing: buf[chunkedOffset...]), into: &chunkedBody)
            } catch {
                let (status, message) = Self.response(to: error)
                return .failure(status: status, message: message)
            }
            return chunked.isDone ? finish(body: chunkedBody, consumed: chunkedOffset) : .needMore
        }
    }

    /// The status and words a client gets for a malformed or oversized chunked body.
    static func response(to failure: ChunkedDecoder.Failure) -> (Int, String) {
        switch failure {
        case .invalidChunkSize: return (400, "malformed chunk size")
        case .lineTooLong: return (400, "chunk size line too long")
        case .missingCRLF: return (400, "missing CRLF after chunk")
        case .chunkTooLarge: return (413, "chunk too large")
        case .bodyTooLarge: return (413, "body too large")
        case .trailerTooLarge: return (431, "trailers too large")
        }
    }

    private mutating func finish(body: [UInt8], consumed: Int) -> Result {
        var request = head!
        request.body = body
        self = HTTPRequestParser(limits: limits)
        return .request(request, consumed: consumed)
    }

    private mutating func parseHead(_ buf: UnsafeRawBufferPointer) -> Result {
        var start = 0
        // stray CRLFs (RFC 9112 §2.2)
        while start + 1 < buf.count, buf[start] == 13, buf[start + 1] == 10 { start += 2 }
        guard let lineEnd = HTTPBytes.find(crlf: buf, from: start, limit: start + limits.maxRequestLineBytes + 2) else {
            if buf.count - start > limits.maxRequestLineBytes {
                return .failure(status: 414, message: "request line too long")
            }
            return .needMore
        }
        if lineEnd - start > limits.maxRequestLineBytes {
            return .failure(status: 414, message: "request line too long")
        }
        let headersStart = lineEnd + 2
        guard let headEnd = HTTPBytes.find(blankLine: buf, from: max(lineEnd, scanned - 3)) else {
            scanned = buf.count
            if buf.count - headersStart > limits.maxHeaderBytes + 2 {
                return .failure(status: 431, message: "header block too large")
            }
            return .needMore
        }
        if headEnd - headersStart > limits.maxHeaderBytes {
            return .failure(status: 431, message: "header block too large")
        }
        let line = UnsafeRawBufferPointer(rebasing: buf[start..<lineEnd])
        var request: HTTPRequest
        switch HTTPHeadParser.requestLine(line) {
        case .failure(let e): return .failure(status: e.status, message: e.message)
        case .success(let r): request = r
        }
        let block = UnsafeRawBufferPointer(rebasing: buf[headersStart..<max(headersStart, headEnd)])
        switch HTTPHeadParser.headers(block, maxCount: limits.maxHeaderCount) {
        case .failure(let e): return .failure(status: e.status, message: e.message)
        case .success(let headers): request.headers = headers
        }
        switch HTTPHeadParser.framing(request, maxBody: limits.maxBodyBytes) {
        case .failure(let e): return .failure(status: e.status, message: e.message)
        case .success(let f): framing = f
        }
        let connection = request.tokens("connection").map { $0.lowercased() }
        request.keepAlive =
            request.minorVersion == 1 ? !connection.contains("close") : connection.contains("keep-alive")
        bodyStart = headEnd + 4
        chunked = ChunkedDecoder(maxBody: limits.maxBodyBytes, maxTrailer: limits.maxHeaderBytes)
        chunkedOffset = bodyStart
        head = request
        return .request(request, consumed: 0)
    }
}

/// A parse failure that maps to an HTTP status.
struct HTTPParseError: Error, Sendable {
    var status: Int
    var message: String
}

enum HTTPBytes {
    /// Index of the next CRLF at or after `from` whose CR lies before `limit`.
    static func find(crlf buf: UnsafeRawBufferPointer, from: Int, limit: Int = Int.max) -> Int? {
        var i = from
        let end = min(buf.count - 1, limit)
        while i < end {
            if buf[i] == 13, buf[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// Index of the CR that starts the CRLFCRLF ending the head.
    static func find(blankLine buf: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = max(0, from)
        while i + 3 < buf.count {
            if buf[i + 3] != 10 { i += buf[i + 3] == 13 ? 1 : 4; continue }  // skip fast on the last byte
            if buf[i] == 13, buf[i + 1] == 10, buf[i + 2] == 13 { return i }
            i += 1
        }
        return nil
    }
}
