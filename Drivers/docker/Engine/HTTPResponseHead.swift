/// The status line and headers of an HTTP/1.1 response, and how its body is framed.
struct HTTPResponseHead: Sendable, Equatable {
    enum Framing: Sendable, Equatable {
        case none
        case contentLength(Int)
        case chunked
        /// The body runs until the server closes the connection (also a hijacked stream).
        case untilClose
    }

    enum Failure: Error, Equatable {
        case tooLarge
        case malformedStatusLine
        case malformedHeader
    }

    static let maxHeadBytes = 64 * 1024

    var status: Int
    /// Header names lowercased; repeated headers keep the last value.
    var headers: [String: String]

    /// Scans `buffer` for a complete head. Returns the head and its length in bytes
    /// (the body starts there), or nil when more bytes are needed.
    static func parse(_ buffer: [UInt8]) throws(Failure) -> (HTTPResponseHead, Int)? {
        guard let end = headEnd(buffer) else {
            if buffer.count > maxHeadBytes { throw .tooLarge }
            return nil
        }
        let text = String(decoding: buffer[0..<end], as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw .malformedStatusLine }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status)
        else { throw .malformedStatusLine }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .malformedHeader }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            headers[name] = value
        }
        return (HTTPResponseHead(status: status, headers: headers), end + 4)
    }

    /// How the body is delimited, given the request method (HEAD responses have none).
    func framing(requestMethod: String) -> Framing {
        if requestMethod == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) && status != 101 {
            return .none
        }
        if status == 101 { return .untilClose }
        if let te = headers["transfer-encoding"], te.lowercased().contains("chunked") { return .chunked }
        if let cl = headers["content-length"], let n = Int(cl), n >= 0 { return n == 0 ? .none : .contentLength(n) }
        return .untilClose
    }

    /// Whether the server will keep the connection open after this response.
    var keepAlive: Bool {
        headers["connection"]?.lowercased() != "close"
    }

    private static func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        var i = 0
        while i + 3 < b.count {
            if b[i] == 0x0D, b[i + 1] == 0x0A, b[i + 2] == 0x0D, b[i + 3] == 0x0A { return i }
            i += 1
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
