import DriverProtocol
import FoundationEssentials
import Testing

@testable import Host

/// Issue 12 (#3): every client string in an audit event is bounded, so no event is dropped for its size.
@Suite struct AuditCapTests {
    @Test func shortDetails_AreUnchanged() {
        let d: JSONValue = ["language": "python", "codeBytes": 12, "args": ["a", "b"], "nested": ["x": ["y": true]]]
        #expect(AuditCap.details(d) == d)
    }

    @Test func longStrings_AreCutOnACharacterBoundaryWithAnEllipsis() {
        let s = String(repeating: "é", count: 2000)  // 2 bytes each
        let cut = AuditCap.details(["v": .string(s)])["v"]!.string!
        #expect(cut.hasSuffix("…"))
        #expect(cut.utf8.count <= AuditCap.maxString + 3)
        #expect(cut.dropLast().allSatisfy { $0 == "é" })
    }

    @Test func manyItemsDeepNestingAndLongKeys_AreBounded() {
        var deep: JSONValue = "bottom"
        for _ in 0..<50 { deep = ["d": deep] }
        let many = JSONValue.array((0..<10_000).map { .int($0) })
        let keys = JSONValue.object(
            JSONObject(
                (0..<100).map {
                    (
                        String(repeating: "k", count: 1000) + "\($0)",
                        JSONValue.string(String(repeating: "v", count: 5000))
                    )
                }))
        let capped = AuditCap.details(["deep": deep, "many": many, "keys": keys])
        let size = JSONWriter.bytes(capped).count
        #expect(size < AuditCap.maxTotal + 4096)
        #expect(capped["many"]?.array?.count == AuditCap.maxItems + 1)
        #expect(capped["many"]?.array?.last == AuditCap.marker)
        #expect(JSONWriter.string(capped).contains("…(truncated)"))
    }

    @Test func cappingRunsAfterRedaction_SoATokenIsNeverHalfShown() {
        let token = "tok-" + String(repeating: "z", count: 40)
        let text = String(repeating: "a", count: AuditCap.maxString - 10) + token
        let r = AuditRecord(
            time: .init(timeIntervalSince1970: 0), principal: "p", session: nil, event: .codeExecution,
            outcome: .denied,
            details: ["input": .string(text)])
        let line = String(decoding: r.line(redactor: AuditRedactor(tokens: [token])), as: UTF8.self)
        #expect(!line.contains("tok-zzz"))
    }
}
