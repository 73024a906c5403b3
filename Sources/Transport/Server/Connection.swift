import CSystem
import Glibc
import LinuxSystem
import Synchronization

/// One accepted socket, owned by the event loop thread. It starts as HTTP and may become a WebSocket.
/// This file is the I/O core: reading, the outbound buffer, epoll interest and the graceful close
/// (flush, half-close, drain until the peer's EOF within the bounds of `LingeringClose`, then close), which avoids RSTs that
/// could discard our last response or close frame.
final class Connection {
    enum Closing {
        case no
        case afterFlush(deadline: Double)
        case lingering(LingeringClose)
    }

    let id: UInt64
    let fd: Int32
    let remoteAddress: String
    unowned let loop: EventLoop
    var isOpen = true
    var isDirty = false
    var outbound = OutboundBuffer()
    private var registered: UInt32
    var closing = Closing.no
    var readShut = false
    /// Reading stopped because the peer is not taking what we send.
    var sendPaused = false

    // HTTP mode.
    var inbound: [UInt8] = []
    var parser: HTTPRequestParser
    var timer: HTTPConnectionTimer
    var awaitingResponse = false
    var headSeen = false
    var closeAfterResponse = false

    // WebSocket mode.
    var ws: WebSocketStateMachine?
    var socket: ServerWebSocket?
    var closeNotified = false

    init(id: UInt64, fd: Int32, remoteAddress: String, loop: EventLoop, now: Double) {
        self.id = id; self.fd = fd; self.remoteAddress = remoteAddress; self.loop = loop
        let o = loop.options
        var limits = HTTPRequestParser.Limits()
        limits.maxHeaderBytes = o.maxHeaderBytes
        limits.maxHeaderCount = o.maxHeaderCount
        limits.maxRequestLineBytes = o.maxRequestLineBytes
        limits.maxBodyBytes = o.maxBodyBytes
        parser = HTTPRequestParser(limits: limits)
        timer = HTTPConnectionTimer(
            now: now, headerTimeout: o.headerTimeoutSeconds, bodyTimeout: o.bodyTimeoutSeconds,
            idleTimeout: o.keepAliveTimeoutSeconds)
        registered = CS_EPOLLIN | CS_EPOLLRDHUP
    }

    var isClosing: Bool { if case .no = closing { return false } else { return true } }

    /// What epoll should report: reads unless paused (EOF seen, or too much unsent or unprocessed data).
    var interest: UInt32 {
        var e: UInt32 = 0
        let paused = sendPaused || (awaitingResponse && inbound.count > 64 << 10)
        if !readShut, !paused { e |= CS_EPOLLIN | CS_EPOLLRDHUP }
        if !outbound.isEmpty { e |= CS_EPOLLOUT }
        return e
    }

    func updateInterest() {
        guard isOpen else { return }
        // Hysteresis: pause above the watermark, resume below half of it, so epoll is not re-armed per write.
        let pause = loop.options.readPauseBytes
        if outbound.count > pause { sendPaused = true } else if outbound.count <= pause / 2 { sendPaused = false }
        let want = interest
        if want != registered {
            registered = want
            _ = cs_epoll_mod(loop.epollFD, fd, want, id)
        }
    }

    func readable() {
        loop.assertOnLoop()
        let buf = loop.scratch
        for _ in 0..<4 {
            guard isOpen, !readShut else { break }
            let n = cs_read_some(fd, buf.baseAddress, buf.count)
            if n > 0 {
                loop.counters.bytesReceived.add(n, ordering: .relaxed)
                received(UnsafeMutableRawBufferPointer(rebasing: buf[0..<n]))
                if n < buf.count { break }
            } else if n == 0 {
                peerClosed()
                break
            } else if n == -Int(EAGAIN) {
                break
            } else {
                teardown("read error")
                return
            }
        }
        updateInterest()
    }

    private func received(_ bytes: UnsafeMutableRawBufferPointer) {
        if case .lingering(var linger) = closing {
            let verdict = linger.read(bytes.count, now: MonotonicClock.now())
            closing = .lingering(linger)
            if case .close(let why) = verdict { teardown(why.rawValue) }
            return
        }
        if isClosing { return }  // draining before close: discard
        if ws != nil {
            receiveWebSocket(bytes)
        } else {
            inbound.append(contentsOf: bytes)
            timer.bytesArrived(now: MonotonicClock.now())
            processHTTP()
        }
    }

    private func peerClosed() {
        readShut = true
        switch closing {
        case .lingering: teardown(LingeringClose.Reason.peerFinished.rawValue)
        case .afterFlush: break  // finish flushing; the lingering step sees readShut
        case .no:
            // A client may half-close after pipelining requests: answer them all, then close.
            if ws != nil || !awaitingResponse { teardown("EOF") }
        }
    }

    /// Queues bytes; they go out at the end of this loop iteration.
    func write(_ bytes: [UInt8]) {
        loop.assertOnLoop()
        guard isOpen, !bytes.isEmpty else { return }
        outbound.append(bytes)
        loop.markDirty(self)
        if outbound.count > loop.options.maxSendBufferBytes { overflowed() }
    }

    func flush() {
        loop.assertOnLoop()
        while isOpen, !outbound.isEmpty {
            let n = outbound.withUnsentBytes { cs_send_some(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                loop.counters.bytesSent.add(n, ordering: .relaxed)
                outbound.consume(n)
            } else if n == -Int(EAGAIN) {
                break
            } else {
                teardown("send error")
                return
            }
        }
        socket?.buffered.store(outbound.count, ordering: .relaxed)
        if outbound.isEmpty, case .afterFlush = closing { finishClose() }
        updateInterest()
    }

    /// Stop handling input; close once everything queued has been sent.
    func closeAfterFlush() {
        loop.assertOnLoop()
        guard isOpen, !isClosing else { return }
        closing = .afterFlush(deadline: MonotonicClock.now() + loop.options.closeWaitSeconds + 3)
        socket?.markClosed()
        loop.markDirty(self)
    }

    private func finishClose() {
        _ = cs_shutdown_write(fd)
        // Everything is sent; while shutting down there is no point waiting for the peer's FIN.
        if readShut || loop.isShuttingDown { teardown("closed after flush"); return }
        let o = loop.options
        closing = .lingering(
            LingeringClose(
                now: MonotonicClock.now(),
                limits: .init(
                    idleSeconds: o.closeWaitSeconds, maxSeconds: o.lingerMaxSeconds, maxBytes: o.lingerMaxBytes)))
    }

    func tick(now: Double) {
        loop.assertOnLoop()
        switch closing {
        case .afterFlush(let deadline):
            if now >= deadline { teardown("close deadline") }
            return
        case .lingering(let linger):
            if case .close(let why) = linger.tick(now: now) { teardown(why.rawValue) }
            return
        case .no:
            break
        }
        if ws != nil {
            tickWebSocket(now: now)
        } else if !awaitingResponse, let expiry = timer.expired(now: now) {
            switch expiry {
            case .idle: teardown("keep-alive idle")
            case .slowRequest: failHTTP(status: 408, message: "request not completed in time")
            }
        }
    }

    func shutdown() {
        loop.assertOnLoop()
        if case .lingering = closing {
            teardown("shutdown")
        } else if ws != nil {
            closeWebSocket(code: WebSocketCloseCode.goingAway, reason: "server shutting down")
        } else if awaitingResponse {
            closeAfterResponse = true
        } else {
            closeAfterFlush()
        }
    }

    func teardown(_ reason: String) {
        loop.assertOnLoop()
        guard isOpen else { return }
        isOpen = false
        loop.logger.debug("connection \(id) from \(remoteAddress) closed: \(reason)")
        _ = cs_epoll_del(loop.epollFD, fd)
        _ = cs_close_fd(fd)
        loop.connections[id] = nil
        loop.counters.open.subtract(1, ordering: .relaxed)
        if socket != nil { loop.counters.webSocketsOpen.subtract(1, ordering: .relaxed) }
        outbound = OutboundBuffer()
        inbound = []
        notifyClosed()
    }

    /// Tells the application once, when the close handshake ends or the socket goes, whichever is first.
    func notifyClosed() {
        guard !closeNotified, ws != nil, let socket else { return }
        closeNotified = true
        if !isOpen { ws!.connectionLost() }
        socket.markClosed()
        loop.delegate.didClose(socket, code: ws!.closeCode ?? WebSocketCloseCode.abnormal)
    }
}
