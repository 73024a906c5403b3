/// The request line, header lines and body framing rules of RFC 9112, on complete byte ranges.
enum HTTPHeadParser {
    static func requestLine(_ line: UnsafeRawBufferPointer) -> Result<HTTPRequest, HTTPParseError> {
        let bad = HTTPParseError(status: 400, message: "malformed request line")
        guard let sp1 = line.firstIndex(of: 32) else { return .failure(bad) }
        guard let sp2 = line[(sp1 + 1)...].firstIndex(of: 32) else { return .failure(bad) }
        let methodBytes = line[..<sp1], targetBytes = line[(sp1 + 1)..<sp2], versionBytes = line[(sp2 + 1)...]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenChar) else { return .failure(bad) }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 32 && $0 < 127 }) else { return .failure(bad) }
        let version = String(decoding: versionBytes, as: UTF8.self)
        let minor: Int
        switch version {
        case "HTTP/1.1": minor = 1
        case "HTTP/1.0": minor = 0
        default:
            if version.hasPrefix("HTTP/"), version.count == 8 {
                return .failure(HTTPParseError(status: 505, message: "unsupported HTTP version"))
            }
            return .failure(bad)
        }
        let target = String(decoding: targetBytes, as: UTF8.self)
        var pathAndQuery = Substring(target)
        if target.hasPrefix("http://") || target.hasPrefix("https://") {  // absolute-form: keep path and query
            let afterScheme = target[target.index(target.firstIndex(of: ":")!, offsetBy: 3)...]
            pathAndQuery = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? "/"
        } else if !(target.hasPrefix("/") || target == "*") {
            return .failure(bad)
        }
        let path: Substring, query: [String: String]
        if let q = pathAndQuery.firstIndex(of: "?") {
            path = pathAndQuery[..<q]
            query = HTTPQuery.parse(pathAndQuery[pathAndQuery.index(after: q)...])
        } else {
            path = pathAndQuery; query = [:]
        }
        return .success(
            HTTPRequest(
                method: String(decoding: methodBytes, as: UTF8.self), target: target, path: String(path),
                query: query, minorVersion: minor, headers: [], body: [], keepAlive: true))
    }

    static func headers(_ block: UnsafeRawBufferPointer, maxCount: Int) -> Result<
        [(name: String, value: String)], HTTPParseError
    > {
        var out: [(name: String, value: String)] = []
        var i = 0
        while i < block.count {
            let end = HTTPBytes.find(crlf: block, from: i) ?? block.count
            if out.count == maxCount { return .failure(HTTPParseError(status: 431, message: "too many headers")) }
            let line = block[i..<end]
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > i else {
                return .failure(HTTPParseError(status: 400, message: "malformed header line"))
            }
            // Token-only names reject obs-fold (leading whitespace) and whitespace before the colon.
            guard line[i..<colon].allSatisfy(isTokenChar) else {
                return .failure(HTTPParseError(status: 400, message: "malformed header name"))
            }
            var vs = colon + 1, ve = end
            while vs < ve, block[vs] == 32 || block[vs] == 9 { vs += 1 }
            while ve > vs, block[ve - 1] == 32 || block[ve - 1] == 9 { ve -= 1 }
            let value = block[vs..<ve]
            guard value.allSatisfy({ $0 >= 32 || $0 == 9 }), !value.contains(127) else {
                return .failure(HTTPParseError(status: 400, message: "invalid character in header value"))
            }
            var name = Array(block[i..<colon])
            for j in name.indices where name[j] >= 65 && name[j] <= 90 { name[j] += 32 }
            out.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            i = end + 2
        }
        return .success(out)
    }

    /// Content-Length vs Transfer-Encoding (RFC 9112 §6): never both, no conflicting lengths.
    static func framing(_ r: HTTPRequest, maxBody: Int) -> Result<HTTPRequestParser.Framing, HTTPParseError> {
        let te = r.tokens("transfer-encoding")
        let lengths = r.tokens("content-length")
        let hasTE = r.headers.contains { $0.name == "transfer-encoding" }
        let hasCL = r.headers.contains { $0.name == "content-length" }
        if hasTE && hasCL {
            return .failure(HTTPParseError(status: 400, message: "Content-Length with Transfer-Encoding"))
        }
        if hasTE {
            if r.minorVersion == 0 {
                return .failure(HTTPParseError(status: 400, message: "Transfer-Encoding in HTTP/1.0"))
            }
            guard te.count == 1, te[0].lowercased() == "chunked" else {
                return .failure(HTTPParseError(status: 501, message: "unsupported Transfer-Encoding"))
            }
            return .success(.chunked)
        }
        guard hasCL else { return .success(.length(0)) }
        guard let first = lengths.first, lengths.allSatisfy({ $0 == first }) else {
            return .failure(HTTPParseError(status: 400, message: "conflicting Content-Length"))
        }
        guard first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(first) else {
            return .failure(HTTPParseError(status: 400, message: "invalid Content-Length"))
        }
        if n > maxBody { return .failure(HTTPParseError(status: 413, message: "body too large")) }
        return .success(.length(n))
    }

    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(c)
        }
    }
}
