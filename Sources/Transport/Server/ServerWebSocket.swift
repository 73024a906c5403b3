import Synchronization

/// The application's handle on a WebSocket. `send` encodes the frame on the caller's thread and queues it
/// for the loop; unsent bytes are counted so a slow reader is cut off at `maxSendBufferBytes`.
final class ServerWebSocket: WebSocketConnection {
    let id: UInt64
    let principal: String
    let remoteAddress: String
    private let loop: EventLoop
    private let maxSendBufferBytes: Int
    private let open = Atomic<Bool>(true)
    /// Bytes queued by `send` that the loop has not yet taken.
    let pending = Atomic<Int>(0)
    /// Bytes in the connection's outbound buffer, as last published by the loop.
    let buffered = Atomic<Int>(0)

    init(id: UInt64, principal: String, remoteAddress: String, loop: EventLoop, maxSendBufferBytes: Int) {
        self.id = id; self.principal = principal; self.remoteAddress = remoteAddress
        self.loop = loop; self.maxSendBufferBytes = maxSendBufferBytes
    }

    @discardableResult
    func send(text: String) -> Bool {
        guard open.load(ordering: .acquiring) else { return false }
        let frame = WebSocketFrameEncoder.textFrame(text)
        let queued = pending.add(frame.count, ordering: .relaxed).newValue
        if queued + buffered.load(ordering: .relaxed) > maxSendBufferBytes {
            pending.subtract(frame.count, ordering: .relaxed)
            if open.exchange(false, ordering: .acquiringAndReleasing) { loop.post(.overflow(id: id)) }
            return false
        }
        loop.post(.send(id: id, frame: frame))
        loop.counters.messagesSent.add(1, ordering: .relaxed)
        return true
    }

    func close(code: UInt16, reason: String) {
        loop.post(.close(id: id, code: code, reason: reason))
    }

    func markClosed() { open.store(false, ordering: .releasing) }
    var isOpen: Bool { open.load(ordering: .acquiring) }
}
