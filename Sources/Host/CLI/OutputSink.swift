import DriverProtocol
import LinuxSystem
import Synchronization

/// Writes a call's `session.output` notifications to our stdout/stderr as they arrive. Remembers which
/// streams it wrote (so the final result's copy is not printed twice) and whether stdout's reader went
/// away (`head`): then the program is cancelled and nothing more is written.
final class OutputSink: Sendable {
    private struct State {
        var streamed: Set<String> = []
        var brokenPipe = false
    }
    private let state = Mutex(State())
    private let onBrokenPipe: @Sendable () -> Void

    init(onBrokenPipe: @escaping @Sendable () -> Void) { self.onBrokenPipe = onBrokenPipe }

    var brokenPipe: Bool { state.withLock { $0.brokenPipe } }

    /// The `onNotification` callback of a streamed call.
    func notification(_ method: String, _ params: JSONValue) {
        guard method == "session.output", let stream = params["stream"]?.string, let data = params["data"]?.string
        else { return }
        write(stream, data, streamedNow: true)
    }

    /// Writes the final result's stdout/stderr for the streams that were not streamed.
    func finish(_ result: JSONValue) {
        for stream in ["stdout", "stderr"] {
            if let text = result[stream]?.string, !text.isEmpty { write(stream, text, streamedNow: false) }
        }
    }

    private func write(_ stream: String, _ data: String, streamedNow: Bool) {
        let go: Bool = state.withLock {
            if streamedNow { $0.streamed.insert(stream) } else if $0.streamed.contains(stream) { return false }
            return !$0.brokenPipe || stream != "stdout"
        }
        guard go else { return }
        if !FD.writeAll(stream == "stderr" ? 2 : 1, Array(data.utf8)), stream == "stdout" {
            let first = state.withLock { s in
                let was = s.brokenPipe
                s.brokenPipe = true
                return !was
            }
            if first { onBrokenPipe() }
        }
    }
}
