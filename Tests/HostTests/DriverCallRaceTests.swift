import DriverProtocol
import Foundation
import Synchronization
import Testing

@testable import Host

/// The execute path's race of driver reply, host deadline and cancel, with in-memory calls.
@Suite struct DriverCallRaceTests {
    /// Records what the call saw; `gate` parks a call that ignores cancellation until `open()`.
    final class Probe: Sendable {
        let started = Atomic<Bool>(false)
        let sawCancel = Atomic<Bool>(false)
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        func open() {
            gate.withLock { c in
                c?.resume(); c = nil
            }
        }
        /// Runs until cancelled, then answers like a driver that stopped the run.
        func untilCancelled() async -> String {
            started.store(true, ordering: .sequentiallyConsistent)
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(2)) }
            sawCancel.store(true, ordering: .sequentiallyConsistent)
            return "cancelled run"
        }
        /// Ignores cancellation entirely (a driver that never answers).
        func ignoringCancel() async -> String {
            started.store(true, ordering: .sequentiallyConsistent)
            await withCheckedContinuation { c in gate.withLock { $0 = c } }
            sawCancel.store(Task.isCancelled, ordering: .sequentiallyConsistent)
            return "late"
        }
    }

    static let never: @Sendable () async throws -> Void = { try await Task.sleep(for: .seconds(3600)) }
    static let now: @Sendable () async throws -> Void = {}

    @Test func replyFirst_ReturnsTheReply_WithoutWaitingForTheDeadline() async {
        let race = DriverCallRace<String>()
        let t0 = Date()
        let outcome = await race.run(deadline: Self.never) { "result" }
        guard case .replied("result") = outcome else { Issue.record("got \(outcome)"); return }
        #expect(Date().timeIntervalSince(t0) < 5)  // the hour-long deadline was cancelled, not waited out
    }

    @Test func timeoutFirst_GivesUp_AndCancelsTheCall() async {
        let race = DriverCallRace<String>(), probe = Probe()
        let outcome = await race.run(deadline: Self.now) { await probe.untilCancelled() }
        guard case .deadline = outcome else { Issue.record("got \(outcome)"); return }
        #expect(await eventually { probe.sawCancel.load(ordering: .sequentiallyConsistent) })
    }

    @Test func timeoutFirst_StopsWaiting_EvenForACallThatIgnoresCancel() async {
        let race = DriverCallRace<String>(), probe = Probe()
        let outcome = await race.run(
            deadline: { try await Task.sleep(for: .milliseconds(20)) }, call: { await probe.ignoringCancel() })
        guard case .deadline = outcome else { Issue.record("got \(outcome)"); return }
        #expect(await eventually { probe.gate.withLock { $0 != nil } })
        probe.open()
        #expect(await eventually { probe.sawCancel.load(ordering: .sequentiallyConsistent) })
    }

    @Test func cancelFirst_ForwardsToTheCall_AndReturnsItsCancelledReply() async {
        let race = DriverCallRace<String>(), probe = Probe()
        let run = Task { await race.run(deadline: Self.never) { await probe.untilCancelled() } }
        #expect(await eventually { probe.started.load(ordering: .sequentiallyConsistent) })
        race.cancel()
        guard case .replied("cancelled run") = await run.value else {
            Issue.record("not the call's cancelled reply"); return
        }
        #expect(race.isCancelled)
    }

    @Test func cancelBeforeStart_StartsTheCallCancelled() async {
        let race = DriverCallRace<String>()
        race.cancel()
        let outcome = await race.run(deadline: Self.never) { Task.isCancelled ? "cancelled at once" : "ran" }
        guard case .replied("cancelled at once") = outcome else { Issue.record("got \(outcome)"); return }
    }

    @Test func driverDiesFirst_ReturnsTheCrash() async {
        let race = DriverCallRace<Result<RunReply, DriverCallError>>()
        let outcome = await race.run(deadline: Self.never) {
            .failure(
                DriverCallError(
                    .crashed, "python driver crashed during execute (killed by signal 9 (SIGKILL)); restarted"))
        }
        guard case .replied(.failure(let e)) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(e.kind == .crashed)
    }

    @Test func waiterCancelled_IsAbandoned_AndTheCallCancelled() async {
        let race = DriverCallRace<String>(), probe = Probe()
        let run = Task { await race.run(deadline: Self.never) { await probe.untilCancelled() } }
        #expect(await eventually { probe.started.load(ordering: .sequentiallyConsistent) })
        run.cancel()
        guard case .abandoned = await run.value else { Issue.record("not abandoned"); return }
        #expect(await eventually { probe.sawCancel.load(ordering: .sequentiallyConsistent) })
    }
}

/// The same four orders through the session manager and its in-memory driver.
@Suite struct ExecuteRaceTests {
    @Test func replyFirst_IsTheRunResult() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let r = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "print:hi")), caller: alice)
        #expect(r.success && r.result["stdout"] == "hi\n")
    }

    @Test func timeoutFirst_ReportsTimedOut() async throws {
        let f = ManagerFixture { $0.timeoutGraceSeconds = 0.05 }; defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let r = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "sleep", timeout: 0.05)), caller: alice)
        #expect(!r.success && r.result["timedOut"] == true && r.error?.contains("timed out after 0.05 s") == true)
    }

    @Test func cancelFirst_ReportsCancelled() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let run = Task {
            try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "sleep")), caller: alice)
        }
        #expect(
            await eventually { await f.manager.cancel(requestID: 1, executionId: nil, sessionId: s.id, caller: alice) })
        let r = try await run.value
        #expect(!r.success && r.result["cancelled"] == true && r.error == "cancelled")
    }

    @Test func driverDiesFirst_IsAFailedResultWithTheReason() async throws {
        let f = ManagerFixture(); defer { f.cleanup() }
        let s = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let r = try await f.manager.execute(sessionId: s.id, command: .executeCode(.init(code: "crash")), caller: alice)
        #expect(!r.success && r.error?.contains("crashed during the execution: driver exited with signal 9") == true)
        // The next execution re-opens the sandbox first.
        let next = try await f.manager.execute(
            sessionId: s.id, command: .executeCode(.init(code: "print:ok")), caller: alice)
        #expect(next.success && f.driver.calls("session.open").count == 2)
    }
}
