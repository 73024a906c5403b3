/// A parsed HTTP/1.1 request. Header names are lower-cased and kept in arrival order.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent (`/path?query`).
    public var target: String
    /// The target without its query.
    public var path: String
    public var query: [String: String]
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whether the connection stays open after the response.
    public var keepAlive: Bool

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// All values of a header, comma-split and trimmed (for token lists such as `Connection`).
    public func tokens(_ name: String) -> [String] {
        HTTPRequest.tokens(name, in: headers)
    }

    public static func tokens(_ name: String, in headers: [(name: String, value: String)]) -> [String] {
        let lower = name.lowercased()
        var out: [String] = []
        for h in headers where h.name == lower {
            for part in h.value.split(separator: ",") {
                let t = part.trimmingASCIIWhitespace()
                if !t.isEmpty { out.append(t) }
            }
        }
        return out
    }
}

extension Substring {
    package func trimmingASCIIWhitespace() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
