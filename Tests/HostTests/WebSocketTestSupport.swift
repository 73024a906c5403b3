@testable import Host
@testable import Transport

/// Builds client frames (masked unless told otherwise) for decoder and state machine tests.
enum ClientFrame {
    static func make(
        _ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0,
        key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
    ) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | rsv << 4 | opcode]
        let m: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            out.append(m | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            out += [m | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            out.append(m | 127)
            for s in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64(s)))
            }
        }
        if masked {
            out += key
            for (i, b) in payload.enumerated() { out.append(b ^ key[i % 4]) }
        } else {
            out += payload
        }
        return out
    }

    static func text(_ s: String, fin: Bool = true) -> [UInt8] { make(0x1, Array(s.utf8), fin: fin) }
    static func close(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
        make(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)] + reason)
    }
}

struct MachineHarness {
    var machine: WebSocketStateMachine
    var now = 100.0

    init(maxMessageBytes: Int = 16 << 20, idlePing: Double = 30) {
        var c = WebSocketStateMachine.Configuration()
        c.maxMessageBytes = maxMessageBytes
        c.idlePingSeconds = idlePing
        machine = WebSocketStateMachine(configuration: c, now: now)
    }

    mutating func feed(_ bytes: [UInt8]) -> [WebSocketStateMachine.Action] {
        var actions: [WebSocketStateMachine.Action] = []
        machine.receive(bytes, now: now, actions: &actions)
        return actions
    }

    mutating func tick(at t: Double) -> [WebSocketStateMachine.Action] {
        now = t
        var actions: [WebSocketStateMachine.Action] = []
        machine.tick(now: t, actions: &actions)
        return actions
    }
}

extension WebSocketStateMachine.Action {
    static func closeFrame(_ code: UInt16) -> Self { .write([0x88, 0x02, UInt8(code >> 8), UInt8(code & 0xFF)]) }
}
