import Synchronization
import Testing

@testable import DriverKit

/// The start gate (load and soak): a bounded number of runner starts at once, the rest FIFO, each queued start
/// with its own deadline. The queue is a pure state machine with injected times; the gate adds callbacks.
@Suite struct StartGateTests {
    @Test func queue_AdmitsUpToTheLimit_ThenQueuesInArrivalOrder() {
        var q = StartQueue(limit: 2)
        #expect(q.request(id: 1, deadline: 100) == .start)
        #expect(q.request(id: 2, deadline: 100) == .start)
        #expect(q.request(id: 3, deadline: 100) == .queued(ahead: 0))
        #expect(q.request(id: 4, deadline: 100) == .queued(ahead: 1))
        #expect(q.running == 2)
        #expect(q.release(now: 10) == (3, []))
        #expect(q.release(now: 11) == (4, []))
        #expect(q.running == 2 && q.waiting.isEmpty)
        #expect(q.release(now: 12) == (nil, []))
        #expect(q.running == 1)
    }

    @Test func queue_NewcomerDoesNotOvertakeWaiters_WhenASlotFrees() {
        var q = StartQueue(limit: 1)
        _ = q.request(id: 1, deadline: 100)
        _ = q.request(id: 2, deadline: 100)
        // The slot passes straight to the waiter; a request arriving later queues behind.
        #expect(q.release(now: 5).started == 2)
        #expect(q.request(id: 3, deadline: 100) == .queued(ahead: 0))
    }

    @Test func queue_RestartsOfLiveSessionsGoAheadOfNewSessions_FIFOWithinEach() {
        var q = StartQueue(limit: 1)
        _ = q.request(id: 1, deadline: 100)
        _ = q.request(id: 2, deadline: 100)
        _ = q.request(id: 3, deadline: 100)
        #expect(q.request(id: 4, deadline: 100, urgent: true) == .queued(ahead: 0))
        #expect(q.request(id: 5, deadline: 100, urgent: true) == .queued(ahead: 1))
        let order = (0..<4).compactMap { _ in q.release(now: 1).started }
        #expect(order == [4, 5, 2, 3])
    }

    @Test func queue_DropsWaitersPastTheirDeadline_AndSkipsThemOnRelease() {
        var q = StartQueue(limit: 1)
        _ = q.request(id: 1, deadline: 1000)
        _ = q.request(id: 2, deadline: 50)
        _ = q.request(id: 3, deadline: 1000)
        _ = q.request(id: 4, deadline: 60)
        #expect(q.expire(now: 55) == [2])
        #expect(q.release(now: 70) == (3, [4]))
        #expect(q.waiting.isEmpty)
    }

    @Test func queue_CancelRemovesOnlyWaiters() {
        var q = StartQueue(limit: 1)
        _ = q.request(id: 1, deadline: 100)
        _ = q.request(id: 2, deadline: 100)
        let waiter = q.cancel(id: 2)
        let running = q.cancel(id: 1)  // running: it must finish instead
        #expect(waiter && !running)
        #expect(q.release(now: 1) == (nil, []))
    }

    @Test func gate_BeginsInOrder_NeverMoreThanTheLimit() {
        let clock = Mutex<Int64>(0)
        let gate = StartGate(limit: 3, queueTimeoutMs: 60_000, now: { clock.withLock { $0 } })
        let log = Mutex<(order: [Int], running: Int, peak: Int)>(([], 0, 0))
        for i in 0..<20 {
            gate.enter(
                begin: {
                    log.withLock { l in
                        l.order.append(i); l.running += 1; l.peak = max(l.peak, l.running)
                    }
                }, expired: { _ in Issue.record("nothing expires here") })
        }
        #expect(log.withLock { $0.order } == [0, 1, 2])
        while log.withLock({ $0.running }) > 0 {
            log.withLock { $0.running -= 1 }
            gate.finished()
        }
        #expect(log.withLock { $0.order } == Array(0..<20))
        #expect(log.withLock { $0.peak } == 3)
        #expect(gate.load == (0, 0))
    }

    @Test func gate_QueuedStartPastItsDeadline_GetsAClearReason_AndNeverBegins() async {
        let clock = Mutex<Int64>(0)
        let gate = StartGate(limit: 1, queueTimeoutMs: 20, now: { clock.withLock { $0 } })
        gate.enter(begin: {}, expired: { _ in Issue.record("the running start cannot expire") })
        let reason = Mutex<String?>(nil)
        gate.enter(begin: { Issue.record("expired starts never begin") }, expired: { r in reason.withLock { $0 = r } })
        clock.withLock { $0 = 25 }  // the injected clock says the deadline passed; the gate's timer checks it
        var waited = 0
        while reason.withLock({ $0 }) == nil && waited < 2000 {
            try? await Task.sleep(for: .milliseconds(5))
            waited += 5
        }
        #expect(reason.withLock { $0 }?.hasPrefix("no sandbox start slot within 0 s (1 start at a time") == true)
        #expect(reason.withLock { $0 }?.contains("the machine is overloaded") == true)
        gate.finished()
        #expect(gate.load == (0, 0))
    }
}
