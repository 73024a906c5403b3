public import DriverProtocol
import Synchronization

/// The one serialized writer for protocol lines: a lock makes every line atomic, so concurrent responses and
/// events never interleave.
public final class MessageWriter: Sendable {
    private let sink: Mutex<@Sendable ([UInt8]) -> Bool>

    /// `write` receives one complete line (newline included) at a time; returns false when the peer is gone.
    public init(write: @escaping @Sendable ([UInt8]) -> Bool) { sink = Mutex(write) }

    /// Writes to a blocking file descriptor.
    public convenience init(fd: Int32) { self.init { FD.writeAll(fd, $0) } }

    @discardableResult
    public func send(_ message: DriverMessage) -> Bool {
        let line = message.line
        return sink.withLock { $0(line) }
    }
}
