import Synchronization

/// Turns an installer's output chunks into `progress` events, one per non-empty line (carriage-return
/// progress bars count as line ends), when the request asked for streaming.
public final class ProgressLines: Sendable {
    private let events: EventSink
    private let enabled: Bool
    private let pending = Mutex<[StdStream: String]>([:])
    /// Lines matching this prefix are the installer's machine-readable result, not progress.
    private let hiddenPrefix: String?
    public static let maxLine = 500

    public init(events: EventSink, enabled: Bool, hiddenPrefix: String? = nil) {
        self.events = events; self.enabled = enabled; self.hiddenPrefix = hiddenPrefix
    }

    public func feed(_ stream: StdStream, _ text: String) {
        guard enabled else { return }
        let lines = pending.withLock { p -> [String] in
            var buf = (p[stream] ?? "") + text
            var out: [String] = []
            while let i = buf.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                out.append(String(buf[..<i]))
                buf = String(buf[buf.index(after: i)...])
            }
            if buf.count > 4 * Self.maxLine { out.append(buf); buf = "" }
            p[stream] = buf
            return out
        }
        for l in lines { emit(l) }
    }

    /// Sends what is left without a newline.
    public func finish() {
        guard enabled else { return }
        let rest = pending.withLock { p in
            defer { p = [:] }; return [p[.stdout], p[.stderr]].compactMap { $0 }
        }
        for l in rest { emit(l) }
    }

    private func emit(_ line: String) {
        let t = line.trimmingSpaces
        if t.isEmpty { return }
        if let hiddenPrefix, t.hasPrefix(hiddenPrefix) { return }
        events.progress(String(t.prefix(Self.maxLine)))
    }
}
