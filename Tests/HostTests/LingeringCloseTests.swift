import Testing

@testable import Host
@testable import Transport

/// The bounded lingering close of issue 12 (#6), driven by an injected clock.
@Suite("Lingering close")
struct LingeringCloseTests {
    let limits = LingeringClose.Limits(idleSeconds: 2, maxSeconds: 10, maxBytes: 64 << 20)

    @Test("keeps reading while the peer sends, and closes at its EOF")
    func drainsUntilEOF() {
        var l = LingeringClose(now: 100, limits: limits)
        for i in 1...80 {  // 20 MiB at ~3 MiB/s: longer than the idle limit in all, never idle that long
            #expect(l.read(256 << 10, now: 100 + Double(i) * 0.08) == .keepReading)
            #expect(l.tick(now: 100 + Double(i) * 0.08 + 0.05) == .keepReading)
        }
        #expect(l.discarded == 20 << 20)
        #expect(l.read(0, now: 107) == .close(.peerFinished))
    }

    @Test("closes after idleSeconds without a byte")
    func idle() {
        var l = LingeringClose(now: 0, limits: limits)
        #expect(l.tick(now: 1.99) == .keepReading)
        #expect(l.tick(now: 2) == .close(.idle))
        l = LingeringClose(now: 0, limits: limits)
        _ = l.read(10, now: 1.5)
        #expect(l.tick(now: 3.4) == .keepReading)  // the idle timer restarts at each read
        #expect(l.tick(now: 3.5) == .close(.idle))
    }

    @Test("closes after maxSeconds even if bytes keep coming")
    func tooLong() {
        var l = LingeringClose(now: 0, limits: limits)
        var t = 0.0
        while t < 9.9 {
            t += 0.5
            if t < 10 { #expect(l.read(1, now: t) == .keepReading) }
        }
        #expect(l.read(1, now: 10) == .close(.tooLong))
        #expect(l.tick(now: 10) == .close(.tooLong))
    }

    @Test("closes once more than maxBytes were discarded")
    func tooManyBytes() {
        var l = LingeringClose(now: 0, limits: .init(idleSeconds: 2, maxSeconds: 10, maxBytes: 1000))
        #expect(l.read(1000, now: 0.1) == .keepReading)
        #expect(l.read(1, now: 0.2) == .close(.tooManyBytes))
    }
}
