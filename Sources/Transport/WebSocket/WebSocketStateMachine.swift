/// One server-side WebSocket as a pure value: bytes and time in, actions out. It assembles messages
/// (size cap before allocating, UTF-8 across fragments), answers pings, runs the close handshake and the
/// idle ping. No I/O and no clock: the caller passes `now` (monotonic seconds), so tests never sleep.
public struct WebSocketStateMachine: Sendable {
    public struct Configuration: Sendable {
        public var maxMessageBytes = 16 << 20
        /// Ping after this long without inbound bytes; drop if nothing arrives for as long again.
        public var idlePingSeconds = 30.0
        /// After sending a close frame, how long to wait for the peer's.
        public var closeWaitSeconds = 2.0
        public init() {}
    }

    public enum Action: Sendable, Equatable {
        /// A complete, valid message for the application.
        case deliver(String)
        /// Bytes (whole frames) to send.
        case write([UInt8])
        /// Flush what was written, then end the TCP connection gracefully.
        case closeTCP
        /// End the TCP connection now (dead peer).
        case drop
    }

    private enum Phase: Sendable {
        case open
        case closeSent(deadline: Double)
        case closed
    }

    public let configuration: Configuration
    private var phase = Phase.open
    private var decoder = WebSocketFrameDecoder(requireMask: true)
    private var frameOpcode = WebSocketOpcode.text
    private var frameFin = true
    private var frameLength: UInt64 = 0
    /// The text of the current single-frame message, decoded straight from the caller's buffer (the value
    /// never keeps a pointer into a buffer it does not own).
    private var directText: String?
    private var messageOpcode: WebSocketOpcode?
    private var message: [UInt8] = []
    private var validator = UTF8Validator()
    private var control: [UInt8] = []
    private var lastReceive: Double
    private var pingDeadline: Double?
    /// The code to report to the application once the connection ends.
    public private(set) var closeCode: UInt16?
    /// Set when the server closed because the peer broke the protocol (1002, 1003, 1007, 1009).
    public private(set) var failedWith: UInt16?

    public init(configuration: Configuration = Configuration(), now: Double) {
        self.configuration = configuration
        self.lastReceive = now
    }

    public var isOpen: Bool { if case .open = phase { return true } else { return false } }

    /// Feeds received bytes (unmasked in place).
    public mutating func receive(_ buf: UnsafeMutableRawBufferPointer, now: Double, actions: inout [Action]) {
        lastReceive = now
        pingDeadline = nil
        var offset = 0
        while true {
            if case .closed = phase { return }
            switch decoder.next(buf, offset: &offset) {
            case .needMore: return
            case .failure(let code): fail(code, actions: &actions); return
            case .header(let header): if !startFrame(header, actions: &actions) { return }
            case .payload(let chunk): if !appendPayload(chunk, actions: &actions) { return }
            case .frameEnd: endFrame(actions: &actions)
            }
        }
    }

    public mutating func receive(_ bytes: [UInt8], now: Double, actions: inout [Action]) {
        var copy = bytes
        copy.withUnsafeMutableBytes { receive($0, now: now, actions: &actions) }
    }

    /// Server-initiated close (application, shutdown with 1001, backpressure with 1008).
    public mutating func close(code: UInt16, reason: String = "", now: Double, actions: inout [Action]) {
        guard case .open = phase else { return }
        actions.append(.write(WebSocketFrameEncoder.closeFrame(code: code, reason: reason)))
        closeCode = code
        phase = .closeSent(deadline: now + configuration.closeWaitSeconds)
    }

    /// Timers: idle ping, ping timeout, close-wait timeout.
    public mutating func tick(now: Double, actions: inout [Action]) {
        switch phase {
        case .open:
            if let deadline = pingDeadline {
                if now >= deadline { lost(actions: &actions) }
            } else if now - lastReceive >= configuration.idlePingSeconds {
                actions.append(.write(WebSocketFrameEncoder.frame(opcode: .ping, payload: [])))
                pingDeadline = now + configuration.idlePingSeconds
            }
        case .closeSent(let deadline):
            if now >= deadline { lost(actions: &actions) }
        case .closed:
            break
        }
    }

    /// The TCP connection ended; settles the code to report.
    public mutating func connectionLost() {
        if closeCode == nil { closeCode = WebSocketCloseCode.abnormal }
        phase = .closed
    }

    /// The transport gave up on the peer (send buffer overflow): report `code`, stop.
    public mutating func abort(code: UInt16) {
        if closeCode == nil { closeCode = code }
        phase = .closed
    }

    private mutating func lost(actions: inout [Action]) {
        connectionLost()
        actions.append(.drop)
    }

    private mutating func fail(_ code: UInt16, actions: inout [Action]) {
        if failedWith == nil { failedWith = code }
        if case .open = phase {
            actions.append(.write(WebSocketFrameEncoder.closeFrame(code: code)))
            closeCode = code
        }
        phase = .closed
        actions.append(.closeTCP)
    }

    private var closing: Bool { if case .closeSent = phase { return true } else { return false } }

    private mutating func startFrame(_ h: WebSocketFrameHeader, actions: inout [Action]) -> Bool {
        frameOpcode = h.opcode
        frameFin = h.fin
        frameLength = h.length
        if h.opcode.isControl {
            control.removeAll(keepingCapacity: true)
            return true
        }
        if h.opcode == .continuation {
            guard messageOpcode != nil else { fail(WebSocketCloseCode.protocolError, actions: &actions); return false }
        } else {
            guard messageOpcode == nil else { fail(WebSocketCloseCode.protocolError, actions: &actions); return false }
            messageOpcode = h.opcode
            validator.reset()
        }
        // The cap is checked against the declared length, before a byte of payload is stored.
        if h.length > UInt64(configuration.maxMessageBytes - message.count) {
            fail(WebSocketCloseCode.messageTooBig, actions: &actions)
            return false
        }
        return true
    }

    private mutating func appendPayload(_ chunk: UnsafeMutableRawBufferPointer, actions: inout [Action]) -> Bool {
        if frameOpcode.isControl {
            control.append(contentsOf: chunk)
            return true
        }
        if closing { return true }  // data after our close frame is discarded
        if !validator.feed(UnsafeRawBufferPointer(chunk)) {
            let code = messageOpcode == .binary ? WebSocketCloseCode.unsupportedData : WebSocketCloseCode.invalidPayload
            fail(code, actions: &actions)
            return false
        }
        // Fast path: a whole unfragmented message in one read is decoded straight from the read buffer, with
        // no copy into `message` (the String is the one copy either way); anything else is assembled in `message`.
        if frameFin, message.isEmpty, UInt64(chunk.count) == frameLength {
            directText = String(decoding: UnsafeRawBufferPointer(chunk), as: UTF8.self)
        } else {
            message.append(contentsOf: chunk)
        }
        return true
    }

    private mutating func endFrame(actions: inout [Action]) {
        switch frameOpcode {
        case .ping:
            if case .open = phase {
                actions.append(.write(WebSocketFrameEncoder.frame(opcode: .pong, payload: control)))
            }
        case .pong:
            break
        case .close:
            receivedClose(actions: &actions)
        case .text, .binary, .continuation:
            if !frameFin { return }
            let opcode = messageOpcode
            messageOpcode = nil
            let direct = directText
            directText = nil
            defer { message.removeAll(keepingCapacity: message.capacity <= 4 << 10) }
            if closing { return }
            guard validator.isComplete else {
                fail(
                    opcode == .binary ? WebSocketCloseCode.unsupportedData : WebSocketCloseCode.invalidPayload,
                    actions: &actions)
                return
            }
            if let direct {
                actions.append(.deliver(direct))
            } else {
                actions.append(.deliver(String(decoding: message, as: UTF8.self)))
            }
        }
    }

    private mutating func receivedClose(actions: inout [Action]) {
        var code = WebSocketCloseCode.noStatus
        if control.count == 1 { fail(WebSocketCloseCode.protocolError, actions: &actions); return }
        if control.count >= 2 {
            code = UInt16(control[0]) << 8 | UInt16(control[1])
            guard WebSocketCloseCode.isValidFromPeer(code) else {
                fail(WebSocketCloseCode.protocolError, actions: &actions); return
            }
            let valid = control.withUnsafeBytes { UTF8Validator.isValid(UnsafeRawBufferPointer(rebasing: $0[2...])) }
            guard valid else { fail(WebSocketCloseCode.invalidPayload, actions: &actions); return }
        }
        if case .open = phase {
            let reply =
                code == WebSocketCloseCode.noStatus
                ? WebSocketFrameEncoder.frame(opcode: .close, payload: [])
                : WebSocketFrameEncoder.closeFrame(code: code)
            actions.append(.write(reply))
        }
        closeCode = code
        phase = .closed
        actions.append(.closeTCP)
    }
}
