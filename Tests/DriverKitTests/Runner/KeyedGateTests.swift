import Synchronization
import Testing

@testable import DriverKit

/// Opens of one session id run one at a time (the second finds the first's session); other ids do not wait.
@Suite struct KeyedGateTests {
    @Test func sameKey_RunsOneAtATime_AndTheGateIsDroppedAfterwards() async throws {
        let gate = KeyedGate()
        let c = Counters()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await gate.withGate("s_1") {
                        let n = c.inside.wrappingAdd(1, ordering: .relaxed).newValue
                        _ = c.most.max(n, ordering: .relaxed)
                        await Task.yield()
                        c.inside.wrappingSubtract(1, ordering: .relaxed)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(c.most.load(ordering: .relaxed) == 1)
        #expect(gate.activeKeys == 0)
    }

    @Test func otherKeys_DoNotWaitForAHeldOne() async throws {
        let gate = KeyedGate()
        let (held, release) = AsyncStream<Void>.makeStream()
        let (entered, enter) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await gate.withGate("s_1") {
                enter.yield()
                for await _ in held { break }
            }
        }
        for await _ in entered { break }
        // With s_1 held open, s_2 gets through at once.
        let ran = try await gate.withGate("s_2") { true }
        #expect(ran && gate.activeKeys == 1)
        release.yield()
        try await first.value
        #expect(gate.activeKeys == 0)
    }
}

private final class Counters: Sendable {
    let inside = Atomic<Int>(0)
    let most = Atomic<Int>(0)
}
