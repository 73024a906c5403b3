import Testing

@testable import Host

@Suite struct SecurityOutputTests {
    @Test func invalidUTF8_IsReplaced() {
        let (t, cut) = OutputSanitizer.sanitize(bytes: [0x68, 0xC3, 0x28, 0x69, 0xED, 0xA0, 0x80], limit: 100)
        #expect(!cut)
        #expect(t.hasPrefix("h\u{FFFD}(i"))
        #expect(!t.unicodeScalars.contains { $0.value >= 0xD800 && $0.value <= 0xDFFF })
    }

    @Test func cap_NeverSplitsACharacter() {
        #expect(OutputSanitizer.sanitize("aé", limit: 2) == ("a", true))
        #expect(OutputSanitizer.sanitize("aé", limit: 3) == ("aé", false))
        #expect(OutputSanitizer.sanitize("€€", limit: 5) == ("€", true))
        #expect(OutputSanitizer.sanitize("😀", limit: 3) == ("", true))
        #expect(OutputSanitizer.sanitize(bytes: Array("a😀b".utf8), limit: 4) == ("a", true))
        #expect(OutputSanitizer.sanitize(bytes: Array("a😀b".utf8), limit: 5) == ("a😀", true))
    }

    @Test func replacementGrowth_IsCappedToo() {
        // 4 invalid bytes decode to 4 × U+FFFD = 12 bytes.
        let (t, cut) = OutputSanitizer.sanitize(bytes: [0xFF, 0xFF, 0xFF, 0xFF], limit: 7)
        #expect(cut)
        #expect(t == "\u{FFFD}\u{FFFD}")
    }

    @Test func underTheLimit_IsUntouched() {
        #expect(OutputSanitizer.sanitize("hello\n", limit: 6) == ("hello\n", false))
        #expect(OutputSanitizer.sanitize(bytes: [], limit: 0) == ("", false))
    }
}
