import Synchronization
import Testing

@testable import Host

/// Issue 12 (#3): no raw control characters and no unbounded client text in a log line.
@Suite(.serialized) struct LoggerCleanTests {
    @Test func textLines_EscapeControlCharactersAndCapLength() {
        let lines = Mutex<[String]>([])
        let log = Logger("t", sink: Logger.Sink { line in lines.withLock { $0.append(line) } })
        log.warning(
            "forged\n2026-01-01T00:00:00Z ERROR [x] fake",
            ["path": "/a\r\n\u{1b}[31mred", "big": String(repeating: "b", count: 100_000)])
        let out = lines.withLock { $0 }
        #expect(out.count == 1)
        #expect(out[0].filter { $0 == "\n" }.count == 1 && out[0].hasSuffix("\n"))
        #expect(out[0].contains("forged\\n2026") && out[0].contains("/a\\r\\n\\u{1b}[31mred"))
        #expect(out[0].utf8.count < 3 * Logger.maxPartBytes)
    }
}
