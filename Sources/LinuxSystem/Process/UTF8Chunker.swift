/// Decodes a byte stream in chunks without splitting a multi-byte character between two chunks; invalid
/// sequences become U+FFFD.
public struct UTF8Chunker: Sendable {
    private var tail: [UInt8] = []

    public init() {}

    /// The text of every complete character so far.
    public mutating func decode(_ bytes: some Collection<UInt8>) -> String {
        var buf = tail
        buf.append(contentsOf: bytes)
        let cut = UTF8Chunker.completePrefix(buf)
        tail = Array(buf[cut...])
        return String(decoding: buf[..<cut], as: UTF8.self)
    }

    /// Whatever is left (an unfinished character) at end of stream.
    public mutating func flush() -> String {
        defer { tail = [] }
        return String(decoding: tail, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a (possibly valid) multi-byte sequence.
    public static func completePrefix(_ b: [UInt8]) -> Int {
        let n = b.count
        var i = n - 1
        var back = 0
        while i >= 0, back < 4, b[i] & 0xC0 == 0x80 { i -= 1; back += 1 }
        guard i >= 0 else { return n }
        let lead = b[i]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return n
        }
        return n - i < need ? i : n
    }
}
