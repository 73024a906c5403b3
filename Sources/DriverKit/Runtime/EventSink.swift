public import DriverProtocol
import Synchronization

/// Sends one request's events (`output`, `progress`) in order, each with the request id, the session and a
/// `seq` starting at 0. `output` is dropped unless the request asked for streaming (`stream:true`).
/// Calls are synchronous writes, so every event precedes the response that follows the runtime's return.
public final class EventSink: Sendable {
    public let requestId: Int
    public let session: String?
    /// True when the request had `stream:true`.
    public let streaming: Bool
    private let send: @Sendable (DriverMessage) -> Void
    private let seq = Mutex(0)

    public init(requestId: Int, session: String?, streaming: Bool, send: @escaping @Sendable (DriverMessage) -> Void) {
        self.requestId = requestId; self.session = session; self.streaming = streaming; self.send = send
    }

    /// A sink that drops everything (for internal runs and tests).
    public static func discard(requestId: Int = 0) -> EventSink {
        EventSink(requestId: requestId, session: nil, streaming: false) { _ in }
    }

    public func output(_ stream: StdStream, _ text: String) {
        guard streaming, !text.isEmpty else { return }
        // The lock spans numbering and sending so seq order equals wire order.
        seq.withLock { n in
            defer { n += 1 }
            send(
                DriverEvent.output(
                    OutputEvent(request: requestId, session: session, stream: stream.rawValue, data: text, seq: n)
                ).message)
        }
    }

    public func progress(_ message: String) {
        seq.withLock { n in
            defer { n += 1 }
            send(
                DriverEvent.progress(ProgressEvent(request: requestId, session: session, message: message, seq: n))
                    .message)
        }
    }
}
