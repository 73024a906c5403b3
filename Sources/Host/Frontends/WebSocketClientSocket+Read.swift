import CSystem
import Glibc
import LinuxSystem
import Transport

extension WebSocketClientSocket {
    /// Reads the response head up to the blank line (at most 16 KiB); for an error status also what follows
    /// (the `{"error": …}` body) until the server closes or a short wait passes.
    static func readHead(_ fd: Int32) throws(Failure) -> (head: String, body: String) {
        var data: [UInt8] = []
        let end: [UInt8] = [13, 10, 13, 10]
        while true {
            if let r = find(end, in: data) {
                let head = String(decoding: data[..<r], as: UTF8.self)
                var body = Array(data[(r + 4)...])
                if !head.hasPrefix("HTTP/1.1 101") {
                    while body.count < 4096, let more = try? readSome(fd), !more.isEmpty { body += more }
                } else if !body.isEmpty {
                    throw Failure(message: "unexpected bytes after the handshake")
                }
                return (head, String(decoding: body, as: UTF8.self))
            }
            guard data.count < 16384 else { throw Failure(message: "handshake answer too long") }
            let more = try readSome(fd)
            if more.isEmpty {
                throw Failure(message: data.isEmpty ? "connection closed during the handshake" : "bad handshake answer")
            }
            data += more
        }
    }

    /// One recv: bytes, [] at EOF; EAGAIN (the receive timeout) is thrown as "timed out".
    static func readSome(_ fd: Int32, max: Int = 65536) throws(Failure) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = buf.withUnsafeMutableBytes { cs_read_some(fd, $0.baseAddress, $0.count) }
            if n >= 0 { return Array(buf[..<n]) }
            let e = Int32(-n)
            throw Failure(message: e == EAGAIN || e == EWOULDBLOCK ? "timed out" : SystemError.text(e))
        }
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    /// Frames until the connection ends; returns why it ended.
    func readLoop(_ onMessage: @Sendable ([UInt8]) -> Void) -> String {
        var decoder = WebSocketFrameDecoder(requireMask: false)
        var message: [UInt8] = [], frame: [UInt8] = []
        var header: WebSocketFrameHeader?
        var idle = 0
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { cs_read_some(fd, $0.baseAddress, $0.count) }
            if n == 0 { return "the server closed the connection" }
            if n < 0 {
                let e = Int32(-n)
                guard e == EAGAIN || e == EWOULDBLOCK else { return SystemError.text(e) }
                idle += Self.pingSeconds
                if idle >= Self.lostSeconds { return "no answer from the server for \(idle) s" }
                try? send(.ping, [])
                continue
            }
            idle = 0
            var offset = 0
            let result: String? = buf.withUnsafeMutableBytes { raw in
                let slice = UnsafeMutableRawBufferPointer(rebasing: raw[0..<n])
                while true {
                    switch decoder.next(slice, offset: &offset) {
                    case .needMore: return nil
                    case .failure(let code): return "protocol error from the server (\(code))"
                    case .header(let h):
                        header = h
                        if h.length > UInt64(Self.maxMessageBytes) { return "message from the server too large" }
                    case .payload(let p): frame += p
                    case .frameEnd:
                        guard let h = header else { continue }
                        if let end = handleFrame(h, &frame, &message, onMessage) { return end }
                    }
                }
            }
            if let result { return result }
        }
    }

    /// Returns a reason when the frame ends the connection.
    private func handleFrame(
        _ h: WebSocketFrameHeader, _ frame: inout [UInt8], _ message: inout [UInt8],
        _ onMessage: @Sendable ([UInt8]) -> Void
    ) -> String? {
        defer { frame.removeAll(keepingCapacity: true) }
        switch h.opcode {
        case .ping: try? send(.pong, frame)
        case .pong: break
        case .close:
            let code = frame.count >= 2 ? Int(frame[0]) << 8 | Int(frame[1]) : 1005
            let reason = frame.count > 2 ? String(decoding: frame[2...], as: UTF8.self) : ""
            try? send(.close, Array(frame.prefix(2)))
            return "the server closed the connection (\(code)\(reason.isEmpty ? "" : ": \(reason)"))"
        case .text, .binary, .continuation:
            message += frame
            if message.count > Self.maxMessageBytes { return "message from the server too large" }
            if h.fin {
                onMessage(message)
                message.removeAll(keepingCapacity: true)
            }
        }
        return nil
    }
}
