/// Incremental UTF-8 validator (RFC 3629): fed chunk by chunk, so a code point may span fragments.
/// Fails as soon as a byte cannot start or continue a valid sequence (fail fast, as RFC 6455 §8.1 allows).
public struct UTF8Validator: Sendable {
    private var needed = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    public private(set) var isValid = true

    public init() {}

    /// True when everything fed so far is valid and no sequence is left open.
    public var isComplete: Bool { isValid && needed == 0 }

    public mutating func reset() { self = UTF8Validator() }

    @discardableResult
    public mutating func feed(_ p: UnsafeRawBufferPointer) -> Bool {
        guard isValid else { return false }
        let n = p.count
        var i = 0
        while i < n {
            if needed == 0 {
                // ASCII fast path, 8 bytes at a time.
                while i + 8 <= n, p.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                if i >= n { break }
                let b = p[i]
                i += 1
                switch b {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: needed = 1; lower = 0x80; upper = 0xBF
                case 0xE0: needed = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF: needed = 2; lower = 0x80; upper = 0xBF
                case 0xED: needed = 2; lower = 0x80; upper = 0x9F  // no surrogates
                case 0xF0: needed = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3: needed = 3; lower = 0x80; upper = 0xBF
                case 0xF4: needed = 3; lower = 0x80; upper = 0x8F  // ≤ U+10FFFF
                default: isValid = false; return false
                }
            } else {
                let b = p[i]
                i += 1
                guard b >= lower, b <= upper else { isValid = false; return false }
                lower = 0x80; upper = 0xBF
                needed -= 1
            }
        }
        return true
    }

    public mutating func feed(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { feed($0) } }

    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var v = UTF8Validator()
        return v.feed(bytes) && v.isComplete
    }
}
