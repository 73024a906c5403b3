import Testing

@testable import Host
@testable import Transport

@Suite("HTTP connection deadlines")
struct HTTPConnectionTimerTests {
    func timer(_ now: Double = 0) -> HTTPConnectionTimer {
        HTTPConnectionTimer(now: now, headerTimeout: 10, bodyTimeout: 30, idleTimeout: 60)
    }

    @Test("a new connection that never finishes its head is slow after the header timeout")
    func slowlorisHead() {
        var t = timer()
        t.bytesArrived(now: 9)
        #expect(t.expired(now: 9.9) == nil)
        #expect(t.expired(now: 10) == .slowRequest)
    }

    @Test("the body gets its own deadline once the head is complete")
    func bodyDeadline() {
        var t = timer()
        t.headComplete(now: 5)
        #expect(t.expired(now: 34) == nil)
        #expect(t.expired(now: 35) == .slowRequest)
    }

    @Test("nothing expires while the application handles a request")
    func handling() {
        var t = timer()
        t.requestComplete()
        #expect(t.expired(now: 1_000) == nil)
    }

    @Test("an idle keep-alive connection expires quietly; new bytes restart the head deadline")
    func keepAliveIdle() {
        var t = timer()
        t.requestComplete()
        t.responseSent(now: 100)
        #expect(t.expired(now: 159) == nil)
        #expect(t.expired(now: 160) == .idle)
        t.bytesArrived(now: 150)
        #expect(t.expired(now: 159) == nil)
        #expect(t.expired(now: 160) == .slowRequest)
    }
}
