import Testing

@testable import DriverKit

/// A session's executions start in arrival order, whatever order their Tasks run in; a cancelled waiter leaves.
@Suite struct SessionOrderTests {
    @Test func aLaterArrivalWaits_UntilTheEarlierLeaves_EvenIfItsTaskRunsFirst() async {
        let order = SessionOrder()
        order.arrive("s", id: 1)
        order.arrive("s", id: 2)
        let second = Task { await order.turn("s", id: 2) }
        #expect(await order.turn("s", id: 1))
        order.leave("s", id: 1)
        #expect(await second.value)
        order.leave("s", id: 2)
    }

    @Test func aCancelledWaiter_LeavesTheLine_AndTheNextGoesAfterTheHead() async {
        let order = SessionOrder()
        for id in 1...3 { order.arrive("s", id: id) }
        let cancelled = Task { await order.turn("s", id: 2) }
        cancelled.cancel()
        #expect(await cancelled.value == false)
        order.leave("s", id: 2)
        let third = Task { await order.turn("s", id: 3) }
        #expect(await order.turn("s", id: 1))
        order.leave("s", id: 1)
        #expect(await third.value)
        order.leave("s", id: 3)
    }

    @Test func otherSessions_DoNotWait() async {
        let order = SessionOrder()
        order.arrive("a", id: 1)
        order.arrive("b", id: 2)
        #expect(await order.turn("b", id: 2))
    }
}
