/// `host[:port]` as in a `Host` header or the authority of an `Origin` (RFC 3986 §3.2). The host is
/// lower-cased, IPv6 literals keep their brackets, a trailing dot is dropped. Pure, for the cross-site checks.
public struct Authority: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int?

    public init(host: String, port: Int?) { self.host = host; self.port = port }

    /// Nil when the text is not a plausible authority (empty host, bad characters, port out of range, userinfo).
    public init?(parsing text: Substring) {
        var s = text
        var port: Int?
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return nil }
            let literal = s[s.index(after: s.startIndex)..<close]
            guard !literal.isEmpty, literal.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let rest = s[s.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":", let p = Self.port(rest.dropFirst()) else { return nil }
                port = p
            }
            self.host = "[" + literal.lowercased() + "]"
            self.port = port
            return
        }
        if let colon = s.lastIndex(of: ":") {
            guard let p = Self.port(s[s.index(after: colon)...]) else { return nil }
            port = p
            s = s[..<colon]
        }
        if s.hasSuffix(".") { s = s.dropLast() }
        guard !s.isEmpty, s.utf8.count <= 253, s.utf8.allSatisfy(Self.isRegNameByte) else { return nil }
        self.host = s.lowercased()
        self.port = port
    }

    public var description: String { port.map { "\(host):\($0)" } ?? host }

    /// An IP address literal (v4 dotted quad or bracketed v6), as opposed to a DNS name.
    public var isIPLiteral: Bool { host.hasPrefix("[") || HostAddress.ipv4(host) != nil }

    public var isLoopback: Bool { HostAddress.isLoopback(host) }

    private static func port(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let p = Int(digits),
            p <= 65535
        else { return nil }
        return p
    }

    /// Unreserved and sub-delims of RFC 3986 plus `%`; no `@` (userinfo), `/`, `?` or `#`.
    private static func isRegNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default: return Array("-._~!$&'()*+,;=%".utf8).contains(b)
        }
    }
}

/// A serialized origin (`scheme://host[:port]`, RFC 6454), normalized: lower case, default port dropped.
public struct WebOrigin: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var scheme: String
    public var authority: Authority

    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon].lowercased()
        var rest = text[text.index(after: colon)...]
        guard rest.hasPrefix("//"), Self.isScheme(scheme) else { return nil }
        rest = rest.dropFirst(2)
        if rest.hasSuffix("/") { rest = rest.dropLast() }  // tolerated in configuration, never sent by browsers
        guard var authority = Authority(parsing: rest) else { return nil }
        if authority.port == Self.defaultPort(scheme) { authority.port = nil }
        self.scheme = scheme
        self.authority = authority
    }

    /// RFC 3986 §3.1: a letter, then letters, digits, `+`, `-`, `.`.
    static func isScheme(_ s: String) -> Bool {
        guard let first = s.utf8.first, first >= 0x61, first <= 0x7A else { return false }
        return s.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E
        }
    }

    public var description: String { "\(scheme)://\(authority)" }

    /// The port the origin's pages talk to (the default of the scheme when none is written).
    public var effectivePort: Int? { authority.port ?? Self.defaultPort(scheme) }

    static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http", "ws": return 80
        case "https", "wss": return 443
        default: return nil
        }
    }
}
