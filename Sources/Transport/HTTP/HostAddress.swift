#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// Host names and IP literals as they appear in a Host header or a listen address.
public enum HostAddress: Sendable {
    /// 127.0.0.0/8 in dotted-quad form, ::1 in any spelling (also bracketed, also v4-mapped 127.x), localhost.
    public static func isLoopback(_ host: String) -> Bool {
        var h = host.lowercased()
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h == "localhost" || h == "localhost." { return true }
        if let v4 = ipv4(h) { return v4.0 == 127 }
        if h.contains(":") {
            if let last = h.split(separator: ":").last, last.contains("."), h.hasPrefix("::ffff:") {
                return ipv4(String(last))?.0 == 127
            }
            return expandedIPv6(h) == [0, 0, 0, 0, 0, 0, 0, 1]
        }
        return false
    }

    public static func ipv4(_ s: String) -> (UInt8, UInt8, UInt8, UInt8)? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt8(p) else {
                return nil
            }
            v.append(n)
        }
        return (v[0], v[1], v[2], v[3])
    }

    public static func expandedIPv6(_ s: String) -> [UInt16]? {
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let n = UInt16(g, radix: 16) else { return nil }
                out.append(n)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
