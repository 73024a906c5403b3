import DriverProtocol
import Synchronization
import Testing

@testable import DriverKit

@Suite struct ProgressLinesTests {
    final class Box: Sendable { let messages = Mutex<[String]>([]) }

    func sink(_ box: Box) -> EventSink {
        EventSink(requestId: 9, session: "s1", streaming: true) { m in
            if case .notification(_, let p) = m, let s = p["message"]?.string { box.messages.withLock { $0.append(s) } }
        }
    }

    @Test func chunksBecomeOneProgressEventPerLine_HidingTheResultLine() {
        let box = Box()
        let p = ProgressLines(events: sink(box), enabled: true, hiddenPrefix: "@@x@@")
        p.feed(.stdout, "Collecting si")
        p.feed(.stdout, "x\nDownloading 1\rDownloading 2\n\n@@x@@ []\n")
        p.feed(.stderr, "WARNING: tail")
        p.finish()
        #expect(box.messages.withLock { $0 } == ["Collecting six", "Downloading 1", "Downloading 2", "WARNING: tail"])
    }

    @Test func nothingIsSentWithoutStreaming() {
        let box = Box()
        let p = ProgressLines(events: sink(box), enabled: false)
        p.feed(.stdout, "a\nb\n")
        p.finish()
        #expect(box.messages.withLock { $0 }.isEmpty)
    }
}
