import LinuxSystem
import Synchronization

/// WebSocket mode: bytes go through the state machine, whose actions are carried out here.
extension Connection {
    func receiveWebSocket(_ bytes: UnsafeMutableRawBufferPointer) {
        // One action buffer per loop, reused across reads (taken out, so nesting stays safe).
        var actions = loop.wsActions
        loop.wsActions = []
        ws!.receive(bytes, now: MonotonicClock.now(), actions: &actions)
        perform(actions)
        actions.removeAll(keepingCapacity: true)
        loop.wsActions = actions
    }

    func tickWebSocket(now: Double) {
        var actions: [WebSocketStateMachine.Action] = []
        ws!.tick(now: now, actions: &actions)
        perform(actions)
    }

    /// Application-initiated close (and shutdown's 1001).
    func closeWebSocket(code: UInt16, reason: String) {
        guard ws != nil, !isClosing else { return }
        var actions: [WebSocketStateMachine.Action] = []
        ws!.close(code: code, reason: reason, now: MonotonicClock.now(), actions: &actions)
        perform(actions)
    }

    /// A frame queued by `send(text:)`; dropped once the close handshake has begun.
    func sendFrame(_ frame: [UInt8]) {
        socket?.pending.subtract(frame.count, ordering: .relaxed)
        guard ws?.isOpen == true, !isClosing else { return }  // no copy of the machine
        write(frame)
    }

    /// The peer does not read fast enough: drop it so memory stays bounded.
    func overflowed() {
        guard isOpen else { return }
        loop.logger.warning("send buffer overflow: dropping slow reader", ["remote": remoteAddress, "id": "\(id)"])
        loop.counters.slowReaderDrops.add(1, ordering: .relaxed)
        ws?.abort(code: WebSocketCloseCode.policyViolation)
        teardown("send buffer overflow")
    }

    private func perform(_ actions: [WebSocketStateMachine.Action]) {
        for action in actions {
            guard isOpen else { return }
            switch action {
            case .deliver(let text):
                loop.counters.messagesReceived.add(1, ordering: .relaxed)
                if let socket { loop.delegate.didReceive(text: text, from: socket) }
            case .write(let bytes):
                write(bytes)
            case .closeTCP:
                loop.logger.debug("websocket \(id) closing with \(ws?.closeCode ?? 0)")
                if ws?.failedWith != nil { loop.counters.protocolErrors.add(1, ordering: .relaxed) }
                closeAfterFlush()
                notifyClosed()
            case .drop:
                teardown("dropped (ping or close timeout)")
            }
        }
        if ws?.isOpen == false { socket?.markClosed() }
    }
}
