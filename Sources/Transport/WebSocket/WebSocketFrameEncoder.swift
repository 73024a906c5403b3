/// Server-to-client frames: final, unmasked (RFC 6455 §5.1), header written straight before the payload.
public enum WebSocketFrameEncoder: Sendable {
    public static func headerLength(payload count: Int) -> Int { count < 126 ? 2 : (count <= 0xFFFF ? 4 : 10) }

    /// Appends one complete frame to `out`.
    public static func append(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendHeader(opcode: opcode, count: payload.count, to: &out)
        out.append(contentsOf: payload)
    }

    public static func appendHeader(opcode: WebSocketOpcode, count: Int, to out: inout [UInt8]) {
        out.append(0x80 | opcode.rawValue)
        if count < 126 {
            out.append(UInt8(count))
        } else if count <= 0xFFFF {
            out.append(126); out.append(UInt8(count >> 8)); out.append(UInt8(truncatingIfNeeded: count))
        } else {
            out.append(127)
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift)))
            }
        }
    }

    public static func frame(opcode: WebSocketOpcode, payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerLength(payload: payload.count) + payload.count)
        payload.withUnsafeBytes { append(opcode: opcode, payload: $0, to: &out) }
        return out
    }

    /// A text frame built in one allocation from the string's UTF-8.
    public static func textFrame(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { utf8 in
            var out: [UInt8] = []
            out.reserveCapacity(headerLength(payload: utf8.count) + utf8.count)
            append(opcode: .text, payload: UnsafeRawBufferPointer(utf8), to: &out)
            return out
        }
    }

    /// A close frame: code, then a reason cut to fit the 125-byte control limit on a UTF-8 boundary.
    public static func closeFrame(code: UInt16, reason: String = "") -> [UInt8] {
        var payload: [UInt8] = [UInt8(code >> 8), UInt8(truncatingIfNeeded: code)]
        var reasonBytes = Array(reason.utf8)
        if reasonBytes.count > 123 {
            var cut = 123
            while cut > 0, reasonBytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            reasonBytes.removeSubrange(cut...)
        }
        payload += reasonBytes
        return frame(opcode: .close, payload: payload)
    }
}
