/// Incremental frame decoder (modelled on swift-nio's WSParser): header → payload, fed any split of bytes.
/// Protocol checks happen as soon as the header bytes are in, before any payload is read or stored.
/// Payload chunks are unmasked in place and handed out as slices of the caller's buffer: no copies here.
public struct WebSocketFrameDecoder: Sendable {
    public enum Event {
        case needMore
        case header(WebSocketFrameHeader)
        /// Unmasked payload bytes of the current frame (a slice of the input buffer).
        case payload(UnsafeMutableRawBufferPointer)
        case frameEnd
        /// A protocol violation: close with this code. The decoder stays failed.
        case failure(UInt16)
    }

    private enum State: Sendable { case header, payload, failed }

    private var state = State.header
    private var head: [UInt8] = []
    private var current = WebSocketFrameHeader(fin: true, opcode: .text, length: 0, maskKey: 0, masked: false)
    private var remaining: UInt64 = 0
    private var maskOffset = 0
    public let requireMask: Bool

    public init(requireMask: Bool = true) {
        self.requireMask = requireMask
        head.reserveCapacity(14)
    }

    public mutating func next(_ buf: UnsafeMutableRawBufferPointer, offset: inout Int) -> Event {
        switch state {
        case .failed:
            offset = buf.count
            return .needMore
        case .payload:
            if remaining == 0 {
                state = .header
                return .frameEnd
            }
            guard offset < buf.count else { return .needMore }
            let take = Int(min(UInt64(buf.count - offset), remaining))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buf[offset..<(offset + take)])
            if current.masked { unmask(slice) }
            offset += take
            remaining -= UInt64(take)
            return .payload(slice)
        case .header:
            return readHeader(buf, offset: &offset)
        }
    }

    private mutating func readHeader(_ buf: UnsafeMutableRawBufferPointer, offset: inout Int) -> Event {
        while offset < buf.count {
            head.append(buf[offset])
            offset += 1
            if head.count == 2 {
                if let code = checkFirstTwo() { return fail(code) }
            }
            if head.count >= 2, head.count == neededHeaderLength() {
                return finishHeader()
            }
        }
        return .needMore
    }

    private mutating func checkFirstTwo() -> UInt16? {
        let b0 = head[0], b1 = head[1]
        if b0 & 0x70 != 0 { return WebSocketCloseCode.protocolError }  // RSV1-3 without an extension
        guard let op = WebSocketOpcode(rawValue: b0 & 0x0F) else { return WebSocketCloseCode.protocolError }
        let fin = b0 & 0x80 != 0
        let len7 = b1 & 0x7F
        if op.isControl, !fin || len7 > 125 { return WebSocketCloseCode.protocolError }
        if requireMask, b1 & 0x80 == 0 { return WebSocketCloseCode.protocolError }  // clients must mask
        return nil
    }

    private func neededHeaderLength() -> Int {
        let len7 = head[1] & 0x7F
        let ext = len7 == 126 ? 2 : (len7 == 127 ? 8 : 0)
        return 2 + ext + (head[1] & 0x80 != 0 ? 4 : 0)
    }

    private mutating func finishHeader() -> Event {
        let b0 = head[0], b1 = head[1]
        let len7 = b1 & 0x7F
        var length = UInt64(len7)
        var i = 2
        if len7 == 126 {
            length = UInt64(head[2]) << 8 | UInt64(head[3])
            i = 4
        } else if len7 == 127 {
            length = 0
            for j in 2..<10 { length = length << 8 | UInt64(head[j]) }
            if length >> 63 != 0 { return fail(WebSocketCloseCode.protocolError) }  // MSB must be 0
            i = 10
        }
        let masked = b1 & 0x80 != 0
        var key: UInt32 = 0
        if masked {
            key = UInt32(head[i]) << 24 | UInt32(head[i + 1]) << 16 | UInt32(head[i + 2]) << 8 | UInt32(head[i + 3])
        }
        current = WebSocketFrameHeader(
            fin: b0 & 0x80 != 0, opcode: WebSocketOpcode(rawValue: b0 & 0x0F)!,
            length: length, maskKey: key, masked: masked)
        head.removeAll(keepingCapacity: true)
        remaining = length
        maskOffset = 0
        state = .payload
        return .header(current)
    }

    private mutating func fail(_ code: UInt16) -> Event {
        state = .failed
        head.removeAll()
        return .failure(code)
    }

    /// XOR with the key, eight bytes at a time, continuing where the previous chunk stopped.
    private mutating func unmask(_ p: UnsafeMutableRawBufferPointer) {
        let k = current.maskKey
        let keyBytes: [UInt8] = [
            UInt8(k >> 24), UInt8(truncatingIfNeeded: k >> 16), UInt8(truncatingIfNeeded: k >> 8),
            UInt8(truncatingIfNeeded: k),
        ]
        var pattern: UInt64 = 0
        // little-endian load order
        for i in 0..<8 { pattern |= UInt64(keyBytes[(maskOffset + i) & 3]) << UInt64(8 * i) }
        let n = p.count
        var i = 0
        if let base = p.baseAddress {
            while i + 8 <= n {
                let v = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                base.storeBytes(of: v ^ pattern, toByteOffset: i, as: UInt64.self)
                i += 8
            }
        }
        while i < n {
            p[i] ^= keyBytes[(maskOffset + i) & 3]
            i += 1
        }
        maskOffset = (maskOffset + n) & 3
    }
}

/// An event borrows the caller's buffer (`payload`), so it must not cross threads.
@available(*, unavailable)
extension WebSocketFrameDecoder.Event: Sendable {}
