import DriverProtocol

/// Keeps secrets out of the audit log: every configured token, whatever follows `Bearer `,
/// `codebeaker.bearer.` or `token=`, and the values of secret-looking keys are replaced by `[REDACTED]`.
public struct AuditRedactor: Sendable {
    public static let mask = "[REDACTED]"
    static let secretKeys: Set<String> = ["authorization", "token", "tokens", "password", "secret", "apikey", "api_key", "sec-websocket-protocol", "cookie"]
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
            var out = JSONObject()
            for (k, v) in o {
                out[redact(k)] = Self.secretKeys.contains(k.lowercased()) ? .string(Self.mask) : redact(v)
            }
            return .object(out)
        default: return value
        }
    }

    public func redact(_ s: String) -> String {
        var bytes = Array(s.utf8)
        var changed = false
        for t in tokens where replaceAll(t, in: &bytes) { changed = true }
        if maskAfterPrefixes(&bytes) { changed = true }
        return changed ? String(decoding: bytes, as: UTF8.self) : s
    }

    private func replaceAll(_ needle: [UInt8], in bytes: inout [UInt8]) -> Bool {
        guard needle.count <= bytes.count else { return false }
        var out: [UInt8] = []
        var i = 0, found = false
        while i < bytes.count {
            if i + needle.count <= bytes.count && bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: Self.mask.utf8); i += needle.count; found = true
            } else {
                out.append(bytes[i]); i += 1
            }
        }
        if found { bytes = out }
        return found
    }

    /// Masks the run of credential characters after each prefix (matched case-insensitively).
    private func maskAfterPrefixes(_ bytes: inout [UInt8]) -> Bool {
        var out: [UInt8] = []
        var i = 0, found = false
        outer: while i < bytes.count {
            for p in Self.prefixes where i + p.count <= bytes.count && Self.asciiLowerEqual(bytes[i..<(i + p.count)], p) {
                var j = i + p.count
                while j < bytes.count && Self.isCredentialByte(bytes[j]) { j += 1 }
                if j > i + p.count && !bytes[(i + p.count)..<j].elementsEqual(Self.mask.utf8) {
                    out.append(contentsOf: bytes[i..<(i + p.count)])
                    out.append(contentsOf: Self.mask.utf8)
                    i = j; found = true
                    continue outer
                }
            }
            out.append(bytes[i]); i += 1
        }
        if found { bytes = out }
        return found
    }

    static func isCredentialByte(_ b: UInt8) -> Bool {
        SecurityConfig.isTokenByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "/") || b == UInt8(ascii: "=") || b == UInt8(ascii: "%")
    }

    static func asciiLowerEqual(_ a: ArraySlice<UInt8>, _ lower: [UInt8]) -> Bool {
        zip(a, lower).allSatisfy { x, y in (x >= 0x41 && x <= 0x5A ? x + 0x20 : x) == y }
    }
}
