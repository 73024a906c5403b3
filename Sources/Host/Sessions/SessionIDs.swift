/// Unguessable ids: 128 bits from the system CSPRNG (getrandom on Linux), as hex.
enum SessionIDs {
    static func make(prefix: String) -> String {
        var g = SystemRandomNumberGenerator()
        let hi = g.next() as UInt64, lo = g.next() as UInt64
        return prefix + hex(hi) + hex(lo)
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
