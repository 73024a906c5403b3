extension WebSocketFrameEncoder {
    /// A client-to-server frame: final and masked with `maskKey` (RFC 6455 §5.3; a server must reject
    /// unmasked client frames). The key is four bytes, big-endian, as in `WebSocketFrameHeader.maskKey`.
    public static func maskedFrame(opcode: WebSocketOpcode, payload: [UInt8], maskKey: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerLength(payload: payload.count) + 4 + payload.count)
        appendHeader(opcode: opcode, count: payload.count, to: &out)
        out[1] |= 0x80
        let key: [UInt8] = [
            UInt8(maskKey >> 24), UInt8(truncatingIfNeeded: maskKey >> 16),
            UInt8(truncatingIfNeeded: maskKey >> 8), UInt8(truncatingIfNeeded: maskKey),
        ]
        out += key
        for (i, byte) in payload.enumerated() { out.append(byte ^ key[i & 3]) }
        return out
    }

    /// A masked close frame: code, then the reason cut to the 125-byte control limit.
    public static func maskedCloseFrame(code: UInt16, reason: String = "", maskKey: UInt32) -> [UInt8] {
        let unmasked = closeFrame(code: code, reason: reason)
        return maskedFrame(opcode: .close, payload: Array(unmasked[2...]), maskKey: maskKey)
    }
}
