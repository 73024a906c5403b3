import DriverKit
import Synchronization

/// Streams runner output to the request's `output` events without splitting UTF-8 characters.
final class OutputForwarder: Sendable {
    private let events: EventSink
    private let chunkers = Mutex((UTF8Chunker(), UTF8Chunker()))

    init(events: EventSink) { self.events = events }

    var handler: RunnerChannel.OutputHandler? {
        guard events.streaming else { return nil }
        return { [self] isStderr, bytes in
            let text = chunkers.withLock { c in isStderr ? c.1.decode(bytes) : c.0.decode(bytes) }
            events.output(isStderr ? .stderr : .stdout, text)
        }
    }

    /// Sends whatever partial character is left at the end of the run.
    func flush() {
        guard events.streaming else { return }
        let (o, e) = chunkers.withLock { c in (c.0.flush(), c.1.flush()) }
        events.output(.stdout, o)
        events.output(.stderr, e)
    }
}
