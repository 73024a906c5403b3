import DriverKit
import Testing

@Suite struct OutputCollectorTests {
    @Test func truncation_CutsOnCharacterBoundary() {
        var c = OutputCollector(limit: 4)
        _ = c.append(Array("abé".utf8))  // 4 bytes: fits exactly
        #expect(c.text == "abé" && !c.truncated)
        var d = OutputCollector(limit: 3)
        _ = d.append(Array("abé".utf8))  // é would be split: dropped whole
        #expect(d.text == "ab" && d.truncated)
    }

    @Test func chunker_HoldsSplitCharacterUntilComplete() {
        var u = UTF8Chunker()
        let bytes = Array("é€".utf8)
        #expect(u.decode(bytes[0..<1]) == "")
        #expect(u.decode(bytes[1..<3]) == "é")
        #expect(u.decode(bytes[3...]) == "€")
    }
}
