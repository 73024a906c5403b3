import Testing

@testable import Host
@testable import Transport

@Suite("WebSocket state machine: messages, failures, close handshake, idle ping")
struct WebSocketStateMachineTests {
    static let close1002: [WebSocketStateMachine.Action] = [.closeFrame(1002), .closeTCP]

    @Test("a masked text frame is delivered")
    func deliversText() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.text("hi")) == [.deliver("hi")])
    }

    @Test("a message split at every byte boundary is delivered once, intact")
    func deliversAcrossEverySplit() {
        let frames = ClientFrame.text("héllo ", fin: false) + ClientFrame.make(0x0, Array("wörld".utf8))
        for split in 0...frames.count {
            var h = MachineHarness()
            let a = h.feed(Array(frames[..<split])) + h.feed(Array(frames[split...]))
            #expect(a == [.deliver("héllo wörld")], "split \(split)")
        }
    }

    @Test("a single-frame message is delivered intact whether it arrives whole or split")
    func singleFrameAnySplit() {
        let frame = ClientFrame.text("{\"jsonrpc\":\"2.0\"}")
        for split in 0...frame.count {
            var h = MachineHarness()
            let a = h.feed(Array(frame[..<split])) + h.feed(Array(frame[split...]))
            #expect(a == [.deliver("{\"jsonrpc\":\"2.0\"}")], "split \(split)")
        }
    }

    @Test("several messages in one read are delivered in order")
    func severalMessagesInOneRead() {
        var h = MachineHarness()
        #expect(
            h.feed(ClientFrame.text("one") + ClientFrame.text("two") + ClientFrame.text("three"))
                == [.deliver("one"), .deliver("two"), .deliver("three")])
    }

    @Test(
        "protocol violations close with exactly 88 02 03 EA",
        arguments: [
            ("unmasked client frame", ClientFrame.make(0x1, Array("hi".utf8), masked: false)),
            ("RSV1 set", ClientFrame.make(0x1, Array("hi".utf8), rsv: 4)),
            ("RSV3 set", ClientFrame.make(0x2, [1], rsv: 1)),
            ("reserved data opcode 3", ClientFrame.make(0x3, [])),
            ("reserved control opcode B", ClientFrame.make(0xB, [])),
            ("fragmented ping", ClientFrame.make(0x9, [], fin: false)),
            ("fragmented close", ClientFrame.make(0x8, [0x03, 0xE8], fin: false)),
            ("ping over 125 bytes", ClientFrame.make(0x9, [UInt8](repeating: 1, count: 126))),
            ("continuation without a start", ClientFrame.make(0x0, Array("x".utf8))),
            ("new text frame inside a fragmented message", ClientFrame.text("a", fin: false) + ClientFrame.text("b")),
            (
                "new binary frame inside a fragmented message",
                ClientFrame.text("a", fin: false) + ClientFrame.make(0x2, [1])
            ),
        ])
    func protocolViolationsClose1002(name: String, bytes: [UInt8]) {
        var h = MachineHarness()
        #expect(h.feed(bytes) == Self.close1002, "\(name)")
        #expect(h.machine.closeCode == 1002)
        #expect(h.feed(ClientFrame.text("after")) == [], "input after a failure is ignored")
    }

    @Test("the unmasked frame is refused as soon as its first two bytes arrive")
    func unmaskedRefusedFromHeader() {
        var h = MachineHarness()
        #expect(h.feed([0x81, 0x05]) == Self.close1002)
    }

    @Test("invalid UTF-8 in a text message closes 1007, even split across fragments")
    func invalidUTF8Closes1007() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.make(0x1, [0x61, 0xFF])) == [.closeFrame(1007), .closeTCP])
        // κ is CE BA: the first fragment ends mid-character, the second continues with an invalid byte.
        var h2 = MachineHarness()
        #expect(h2.feed(ClientFrame.make(0x1, [0x61, 0xCE], fin: false)) == [])
        #expect(h2.feed(ClientFrame.make(0x0, [0x41])) == [.closeFrame(1007), .closeTCP])
    }

    @Test("a code point split across fragments is valid")
    func codePointAcrossFragments() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.make(0x1, [0x61, 0xCE], fin: false)) == [])
        #expect(h.feed(ClientFrame.make(0x0, [0xBA])) == [.deliver("aκ")])
    }

    @Test("a message ending mid-character closes 1007")
    func truncatedCharacterCloses1007() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.make(0x1, [0x61, 0xE2, 0x82])) == [.closeFrame(1007), .closeTCP])
    }

    @Test("an oversized frame closes 1009 from its header alone, before any payload")
    func oversizedFrameCloses1009FromHeader() {
        var h = MachineHarness(maxMessageBytes: 1000)
        // Header claims 2^40 bytes; no payload follows.
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        #expect(h.feed(header) == [.closeFrame(1009), .closeTCP])
        #expect(h.machine.closeCode == 1009)
    }

    @Test("fragments that together exceed the cap close 1009")
    func fragmentsOverCapClose1009() {
        var h = MachineHarness(maxMessageBytes: 10)
        #expect(h.feed(ClientFrame.make(0x1, Array("123456".utf8), fin: false)) == [])
        #expect(h.feed(ClientFrame.make(0x0, Array("78901".utf8))) == [.closeFrame(1009), .closeTCP])
    }

    @Test("a message exactly at the cap is delivered")
    func messageAtCapDelivered() {
        var h = MachineHarness(maxMessageBytes: 10)
        #expect(
            h.feed(ClientFrame.make(0x1, Array("12345".utf8), fin: false) + ClientFrame.make(0x0, Array("67890".utf8)))
                == [.deliver("1234567890")])
    }

    @Test("binary messages are delivered as text when valid UTF-8, else closed 1003")
    func binaryMessages() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.make(0x2, Array("{}".utf8))) == [.deliver("{}")])
        var h2 = MachineHarness()
        #expect(h2.feed(ClientFrame.make(0x2, [0x00, 0xFF])) == [.closeFrame(1003), .closeTCP])
    }

    @Test("ping is answered with a pong echoing its payload, also between fragments")
    func pingPong() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.make(0x9, [1, 2, 3])) == [.write([0x8A, 0x03, 1, 2, 3])])
        let a = h.feed(
            ClientFrame.text("ab", fin: false) + ClientFrame.make(0x9, []) + ClientFrame.make(0x0, Array("cd".utf8)))
        #expect(a == [.write([0x8A, 0x00]), .deliver("abcd")])
        #expect(h.feed(ClientFrame.make(0xA, [9])) == [], "unsolicited pong is ignored")
    }

    @Test(
        "a client close is echoed and the connection closes",
        arguments: [1000, 1001, 1003, 1007, 1011, 3000, 4999] as [UInt16])
    func clientCloseEchoed(code: UInt16) {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.close(code, Array("bye".utf8))) == [.closeFrame(code), .closeTCP])
        #expect(h.machine.closeCode == code)
        #expect(!h.machine.isOpen)
    }

    @Test("an empty close is answered with an empty close and reported as 1005")
    func emptyClose() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.make(0x8, [])) == [.write([0x88, 0x00]), .closeTCP])
        #expect(h.machine.closeCode == 1005)
    }

    @Test(
        "close frames with invalid codes or a one-byte payload close 1002",
        arguments: [
            [0x03], [0x03, 0xED], [0x03, 0xEE], [0x03, 0xE7], [0x03, 0xEC], [0x00, 0x00], [0x13, 0x88], [0x0B, 0xB7],
        ] as [[UInt8]])
    func invalidClosePayloads(payload: [UInt8]) {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.make(0x8, payload)) == Self.close1002)
    }

    @Test("a close reason that is not UTF-8 closes 1007")
    func closeReasonInvalidUTF8() {
        var h = MachineHarness()
        #expect(h.feed(ClientFrame.close(1000, [0xFF])) == [.closeFrame(1007), .closeTCP])
    }

    @Test("after a server close, data is discarded and the peer's close ends the connection")
    func serverInitiatedClose() {
        var h = MachineHarness()
        var a: [WebSocketStateMachine.Action] = []
        h.machine.close(code: 1001, now: h.now, actions: &a)
        #expect(a == [.closeFrame(1001)])
        #expect(h.feed(ClientFrame.text("late")) == [])
        #expect(h.feed(ClientFrame.close(1001)) == [.closeTCP])
        #expect(h.machine.closeCode == 1001)
    }

    @Test("a peer that never answers our close is dropped after the close wait")
    func closeWaitTimeout() {
        var h = MachineHarness()
        var a: [WebSocketStateMachine.Action] = []
        h.machine.close(code: 1000, now: h.now, actions: &a)
        #expect(h.tick(at: 101.9) == [])
        #expect(h.tick(at: 102.1) == [.drop])
    }

    @Test("idle connections are pinged, and dropped with 1006 if nothing comes back")
    func idlePingAndDrop() {
        var h = MachineHarness(idlePing: 30)
        #expect(h.tick(at: 129) == [])
        #expect(h.tick(at: 130.5) == [.write([0x89, 0x00])])
        #expect(h.tick(at: 140) == [], "only one ping while waiting")
        #expect(h.tick(at: 160.6) == [.drop])
        #expect(h.machine.closeCode == 1006)
    }

    @Test("a pong after the idle ping keeps the connection")
    func pongKeepsConnection() {
        var h = MachineHarness(idlePing: 30)
        #expect(h.tick(at: 131) == [.write([0x89, 0x00])])
        h.now = 135
        #expect(h.feed(ClientFrame.make(0xA, [])) == [])
        #expect(h.tick(at: 162) == [])
        #expect(h.tick(at: 165.5) == [.write([0x89, 0x00])])
    }

    @Test("the TCP connection dropping without a close reports 1006")
    func abnormalClosure() {
        var h = MachineHarness()
        h.machine.connectionLost()
        #expect(h.machine.closeCode == 1006)
    }
}
