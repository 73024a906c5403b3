import CSystem
import Glibc
import LinuxSystem
import Synchronization
import Transport

/// One client WebSocket over a blocking TCP socket: `open` connects and does the handshake within a
/// deadline; a reader thread decodes frames, answers pings and hands each whole message to `onMessage`,
/// then `onClose` once with the reason. Sends are serialised by a lock. The reader thread owns the fd's close.
final class WebSocketClientSocket: Sendable {
    struct Failure: Error { let message: String }

    let fd: Int32
    private let sendLock = Mutex(false)  // true once a close frame went out
    /// The reader's idle limits: a ping after `pingSeconds` without a byte, lost after `lostSeconds`.
    static let pingSeconds = 15, lostSeconds = 45
    static let maxMessageBytes = 64 << 20

    private init(fd: Int32) { self.fd = fd }

    static func open(_ url: WebSocketURL, protocols: [String], headers: [String], timeout: Double)
        throws(Failure) -> WebSocketClientSocket
    {
        let ms = Int32(max(1, timeout * 1000))
        let fd = cs_tcp_connect(url.host, Int32(url.port), ms)
        guard fd >= 0 else {
            let what = "cannot connect to \(url.host):\(url.port)"
            switch -fd {
            case ECONNREFUSED: throw Failure(message: "\(what): connection refused (is the server running?)")
            case ETIMEDOUT: throw Failure(message: "\(what): timed out after \(Int(timeout)) s")
            case EHOSTUNREACH: throw Failure(message: "\(what): unknown host or no route")
            default: throw Failure(message: "\(what): \(SystemError.text(-fd))")
            }
        }
        setTimeout(fd, SO_RCVTIMEO, seconds: timeout)
        setTimeout(fd, SO_SNDTIMEO, seconds: 30)
        var rng = SystemRandomNumberGenerator()
        let key = WebSocketClientHandshake.makeKey(using: &rng)
        let request = WebSocketClientHandshake.request(
            host: url.hostHeader, path: url.path, key: key, protocols: protocols, headers: headers)
        let answer: (head: String, body: String)
        do throws(Failure) {
            try sendAll(fd, request)
            answer = try readHead(fd)
        } catch {
            FD.close(fd)
            let why = error.message == "timed out" ? "no answer within \(Int(timeout)) s" : error.message
            throw Failure(message: "WebSocket handshake with \(url.hostHeader) failed: \(why)")
        }
        if case .failure(let f) = WebSocketClientHandshake.check(head: answer.head, body: answer.body, key: key) {
            FD.close(fd)
            throw Failure(message: "handshake refused by \(url.hostHeader)\(url.path): \(f.description)")
        }
        setTimeout(fd, SO_RCVTIMEO, seconds: Double(pingSeconds))
        return WebSocketClientSocket(fd: fd)
    }

    /// Starts the reader thread. `onMessage` runs on it, in order; `onClose` runs last, once.
    func start(onMessage: @escaping @Sendable ([UInt8]) -> Void, onClose: @escaping @Sendable (String) -> Void) {
        OSThread.start(name: "cb-ws-client") { [self] in
            let reason = readLoop(onMessage)
            FD.close(fd)
            onClose(reason)
        }
    }

    func sendText(_ text: String) throws(Failure) { try send(.text, Array(text.utf8)) }

    func send(_ opcode: WebSocketOpcode, _ payload: [UInt8]) throws(Failure) {
        let frame = WebSocketFrameEncoder.maskedFrame(
            opcode: opcode, payload: payload, maskKey: UInt32.random(in: 0...UInt32.max))
        try sendLock.withLock { (closed: inout Bool) throws(Failure) in
            guard !closed else { throw Failure(message: "connection closed") }
            if opcode == .close { closed = true }
            try Self.sendAll(fd, frame)
        }
    }

    /// Sends a close frame and stops both directions; the reader thread then ends and reports `reason`.
    func close() {
        try? send(.close, [0x03, 0xE8])  // 1000
        _ = shutdown(fd, Int32(SHUT_RDWR))
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { cs_send_some(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let e = Int32(-n)
                throw Failure(message: e == EAGAIN || e == EWOULDBLOCK ? "send timed out" : SystemError.text(e))
            }
            off += n
        }
    }

    private static func setTimeout(_ fd: Int32, _ option: Int32, seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        _ = setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}
