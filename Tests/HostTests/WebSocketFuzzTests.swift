import Testing

@testable import Host
@testable import Transport

/// Deterministic garbage in, no trap out: every input ends in a delivery, a wait for more, or a close.
@Suite("Transport codecs under random input")
struct WebSocketFuzzTests {
    struct LCG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    static func bytes(_ rng: inout LCG, _ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    @Test("random bytes after a valid frame header prefix never trap the state machine")
    func stateMachineRandom() {
        var rng = LCG(state: 42)
        var closed = 0
        for round in 0..<2_000 {
            var h = MachineHarness(maxMessageBytes: 4096)
            var input = Self.bytes(&rng, Int.random(in: 1...300, using: &rng))
            if round % 2 == 0 {
                input[0] = [0x81, 0x01, 0x82, 0x09, 0x88, 0x8A][Int.random(in: 0..<6, using: &rng)];
                if input.count > 1 { input[1] |= 0x80 }
            }
            var actions: [WebSocketStateMachine.Action] = []
            var offset = 0
            while offset < input.count {
                let n = min(input.count - offset, Int.random(in: 1...64, using: &rng))
                actions += h.feed(Array(input[offset..<(offset + n)]))
                offset += n
            }
            if actions.contains(.closeTCP) { closed += 1 }
            // After the machine asked to close, it never asks for anything else.
            if let i = actions.firstIndex(of: .closeTCP) { #expect(i == actions.count - 1) }
        }
        #expect(closed > 500)
    }

    @Test("random and truncated requests never trap the HTTP parser")
    func httpParserRandom() {
        var rng = LCG(state: 7)
        let seed = Array(
            "POST /p?a=b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        var outcomes = [0, 0, 0]
        for _ in 0..<3_000 {
            var input = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            input = Array(input.prefix(Int.random(in: 1...input.count, using: &rng)))
            var p = HTTPRequestParser()
            switch input.withUnsafeBytes({ p.parse($0) }) {
            case .needMore: outcomes[0] += 1
            case .request: outcomes[1] += 1
            case .failure(let status, _):
                outcomes[2] += 1
                #expect([400, 413, 414, 431, 501, 505].contains(status))
            }
        }
        #expect(outcomes.allSatisfy { $0 > 0 })
    }
}
