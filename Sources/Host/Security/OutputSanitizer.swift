/// Layer 4: output caps with a truncation flag, and invalid UTF-8 replaced with U+FFFD.
public enum OutputSanitizer: Sendable {
    /// Decodes `bytes` (invalid sequences become U+FFFD) and caps the result at `limit` UTF-8 bytes,
    /// never splitting a character.
    public static func sanitize(bytes: [UInt8], limit: Int) -> (text: String, truncated: Bool) {
        let cut = bytes.count > limit
        let text = String(decoding: cut ? prefix(bytes[...], limit) : bytes[...], as: UTF8.self)
        // Replacement characters (3 bytes each) can push decoded text past the limit.
        if text.utf8.count <= limit { return (text, cut) }
        return (String(decoding: prefix(Array(text.utf8)[...], limit), as: UTF8.self), true)
    }

    /// Caps an already valid string at `limit` UTF-8 bytes on a character boundary.
    public static func sanitize(_ text: String, limit: Int) -> (text: String, truncated: Bool) {
        if text.utf8.count <= limit { return (text, false) }
        return (String(decoding: prefix(Array(text.utf8.prefix(limit + 4))[...], limit), as: UTF8.self), true)
    }

    /// At most `limit` bytes, shortened so that no multi-byte sequence is cut in half.
    static func prefix(_ bytes: ArraySlice<UInt8>, _ limit: Int) -> ArraySlice<UInt8> {
        guard bytes.count > limit else { return bytes }
        let start = bytes.startIndex
        let end = start + max(0, limit)
        var i = end
        // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
        while i > start && end - i < 4 && bytes[i - 1] & 0xC0 == 0x80 { i -= 1 }
        guard i > start else { return bytes[start..<end] }
        let lead = bytes[i - 1]
        let need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return need > end - (i - 1) ? bytes[start..<(i - 1)] : bytes[start..<end]
    }
}
