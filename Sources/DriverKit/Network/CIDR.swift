import Glibc

/// An address range (`169.254.0.0/16`, `fe80::/10`) as the kernel wants it: family, bytes, prefix.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    public var family: Int32
    public var address: [UInt8]
    public var prefix: Int

    /// Parses `a.b.c.d/n` or `x::y/n`; nil when malformed. Host bits are cleared.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let host = parts.first else { return nil }
        let isV6 = host.contains(":")
        var bytes = [UInt8](repeating: 0, count: isV6 ? 16 : 4)
        let ok = bytes.withUnsafeMutableBytes {
            inet_pton(isV6 ? AF_INET6 : AF_INET, String(host), $0.baseAddress) == 1
        }
        guard ok else { return nil }
        let max = bytes.count * 8
        let p = parts.count == 2 ? Int(parts[1]) : max
        guard let p, (0...max).contains(p) else { return nil }
        self.init(family: isV6 ? AF_INET6 : AF_INET, address: bytes, prefix: p)
    }

    public init(family: Int32, address: [UInt8], prefix: Int) {
        self.family = family
        self.prefix = prefix
        var a = address
        for i in 0..<a.count {
            let keep = max(0, min(8, prefix - i * 8))
            a[i] &= keep == 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        self.address = a
    }

    public func contains(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == address.count else { return false }
        return CIDR(family: family, address: bytes, prefix: prefix).address == address
    }

    public var description: String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buf, 64) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/\(prefix)"
    }
}
