public import DriverProtocol

/// Keeps secrets out of the audit log: every configured token, whatever follows `Bearer `,
/// `codebeaker.bearer.` or `token=`, and the values of secret-looking keys are replaced by `[REDACTED]`.
/// Strings that need nothing (nearly all) are scanned once without copying and returned as they are.
public struct AuditRedactor: Sendable {
    public static let mask = "[REDACTED]"
    static let secretKeys: Set<String> = [
        "authorization", "token", "tokens", "password", "secret", "apikey", "api_key", "sec-websocket-protocol",
        "cookie",
    ]
    static let prefixes: [[UInt8]] = ["bearer ", "codebeaker.bearer.", "token="].map { Array($0.utf8) }

    private let tokens: [[UInt8]]

    public init(tokens: [String]) {
        // Longest first, so a token containing another is masked whole.
        self.tokens = tokens.filter { !$0.isEmpty }.map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(redact(s))
        case .array(let a): return .array(a.map(redact))
        case .object(let o):
            guard
                o.contains(where: {
                    Self.secretKeys.contains($0.key.lowercased()) || needsRedaction($0.key) || needsRedaction($0.value)
                })
            else { return value }
            var out = JSONObject()
            for (k, v) in o {
                out[redact(k)] = Self.secretKeys.contains(k.lowercased()) ? .string(Self.mask) : redact(v)
            }
            return .object(out)
        default: return value
        }
    }

    public func redact(_ s: String) -> String {
        guard needsRedaction(s) else { return s }
        var bytes = Array(s.utf8)
        for t in tokens { replaceAll(t, in: &bytes) }
        maskAfterPrefixes(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func needsRedaction(_ v: JSONValue) -> Bool {
        switch v {
        case .string(let s): return needsRedaction(s)
        case .array(let a): return a.contains { needsRedaction($0) }
        case .object(let o):
            return o.contains {
                Self.secretKeys.contains($0.key.lowercased()) || needsRedaction($0.key) || needsRedaction($0.value)
            }
        default: return false
        }
    }

    func needsRedaction(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { buf in
            for t in tokens where Self.find(t, in: buf, from: 0) != nil { return true }
            for i in buf.indices where Self.prefixStart(buf, i) != nil { return true }
            return false
        }
    }

    private func replaceAll(_ needle: [UInt8], in bytes: inout [UInt8]) {
        guard var at = bytes.withUnsafeBufferPointer({ Self.find(needle, in: $0, from: 0) }) else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var from = 0
        while true {
            out.append(contentsOf: bytes[from..<at])
            out.append(contentsOf: Self.mask.utf8)
            from = at + needle.count
            guard let next = bytes.withUnsafeBufferPointer({ Self.find(needle, in: $0, from: from) }) else { break }
            at = next
        }
        out.append(contentsOf: bytes[from...])
        bytes = out
    }

    /// Masks the run of credential characters after each prefix (matched case-insensitively).
    private func maskAfterPrefixes(_ bytes: inout [UInt8]) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        bytes.withUnsafeBufferPointer { buf in
            while i < buf.count {
                if let p = Self.prefixStart(buf, i) {
                    var j = i + p.count
                    while j < buf.count && Self.isCredentialByte(buf[j]) { j += 1 }
                    out.append(contentsOf: buf[i..<(i + p.count)])
                    out.append(contentsOf: Self.mask.utf8)
                    i = j
                } else {
                    out.append(buf[i]); i += 1
                }
            }
        }
        bytes = out
    }

    /// The prefix starting at `i` and followed by at least one credential byte (not already a mask).
    static func prefixStart(_ buf: UnsafeBufferPointer<UInt8>, _ i: Int) -> [UInt8]? {
        let l = buf[i] | 0x20
        guard l == 0x62 || l == 0x63 || l == 0x74 else { return nil }  // b, c, t
        for p in prefixes where p[0] == l && i + p.count < buf.count && isCredentialByte(buf[i + p.count]) {
            var k = 1
            while k < p.count, (buf[i + k] >= 0x41 && buf[i + k] <= 0x5A ? buf[i + k] | 0x20 : buf[i + k]) == p[k] {
                k += 1
            }
            if k == p.count { return p }
        }
        return nil
    }

    static func find(_ needle: [UInt8], in buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        let n = needle.count, first = needle[0]
        var i = from
        while i + n <= buf.count {
            if buf[i] == first {
                var j = 1
                while j < n && buf[i + j] == needle[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return nil
    }

    static func isCredentialByte(_ b: UInt8) -> Bool {
        SecurityConfig.isTokenByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "/") || b == UInt8(ascii: "=")
            || b == UInt8(ascii: "%")
    }
}
