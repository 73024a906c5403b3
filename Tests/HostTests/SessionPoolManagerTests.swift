import DriverProtocol
import Testing

@testable import Host

/// The pool inside the session manager, over the in-memory driver.
@Suite struct SessionPoolManagerTests {
    func fixture(size: Int = 2, configure: (inout SessionManagerConfig) -> Void = { _ in }) -> ManagerFixture {
        ManagerFixture { c in
            c.pool = .off
            c.pool.drivers = ["python": size]
            configure(&c)
        }
    }

    func fill(_ f: ManagerFixture) async {
        for _ in 0..<4 {
            await f.manager.refillPool()
            await f.manager.settlePool()
        }
    }

    @Test func create_AdoptsAPooledSandbox_OpenedWithWaitReady_AndEachServesOneSession() async throws {
        let f = fixture(); defer { f.cleanup() }
        await fill(f)
        #expect(await f.manager.poolCounts["python"]?.ready == 2)
        let opens = f.driver.calls("session.open")
        #expect(opens.count == 2 && opens.allSatisfy { $0.params["options"]?["waitReady"] == true })
        let a = try await f.manager.create(params: ["language": "python"], principal: "alice")
        let b = try await f.manager.create(params: ["language": "python"], principal: "bob")
        #expect(a.sandboxStart == .pooled && b.sandboxStart == .pooled)
        #expect(a.id != b.id && a.uid != b.uid && a.workspace != b.workspace)
        #expect(a.createJSON["sandboxStart"] == "pooled")
        let x = try await f.manager.execute(
            sessionId: a.id, command: .executeCode(.init(code: "print:hi")), caller: alice)
        #expect(x.success && x.result["stdout"] == "hi\n")
        await f.manager.settlePool()
        // The hand-outs refilled the pool with new sandboxes, not the ones in use.
        let ids = f.driver.calls("session.open").compactMap { $0.params["session"]?.string }
        #expect(Set(ids).count == ids.count)
        await f.manager.shutdown()
    }

    @Test func optionsAPooledSandboxCannotServe_StartCold() async throws {
        let f = fixture(); defer { f.cleanup() }
        await fill(f)
        for params: JSONValue in [
            ["language": "python", "network": true], ["language": "python", "memoryLimitMB": 256],
            ["language": "python", "stateful": true], ["language": "python", "env": ["A": "1"]],
        ] {
            let s = try await f.manager.create(params: params, principal: "alice")
            #expect(s.sandboxStart == .cold)
            let open = f.driver.calls("session.open").last!.params
            #expect(open["session"]?.string == s.id && open["options"]?["waitReady"] == nil)
        }
        #expect(await f.manager.poolCounts["python"]?.ready == 2)
        await f.manager.shutdown()
    }

    @Test func restartedDriver_PooledSandboxesAreDiscardedNotHandedOut() async throws {
        let f = fixture(); defer { f.cleanup() }
        await fill(f)
        let pooled = f.driver.liveHandles
        await f.manager.driverRestarted("python")
        await f.manager.settlePool()
        #expect(await f.manager.poolCounts["python"]?.ready == 0)
        #expect(f.driver.liveHandles.isDisjoint(with: pooled))
        await f.manager.shutdown()
    }

    @Test func pooledSandboxesYieldUidsToRealSessions() async throws {
        let f = fixture { $0.uidRange = 200_000...200_001 }; defer { f.cleanup() }
        await fill(f)
        #expect(await f.manager.poolCounts["python"]?.ready == 2)
        let a = try await f.manager.create(params: ["language": "python", "network": true], principal: "alice")
        let b = try await f.manager.create(params: ["language": "python", "network": true], principal: "alice")
        #expect(a.sandboxStart == .cold && b.sandboxStart == .cold && a.uid != b.uid)
        await f.manager.settlePool()
        #expect(await f.manager.poolCounts["python"]?.ready == 0)
        await f.manager.shutdown()
    }

    @Test func poolNeverHoldsMoreThanMaxSessionsAllows() async throws {
        let f = fixture(size: 4) { $0.maxSessions = 3 }; defer { f.cleanup() }
        await fill(f)
        #expect(await f.manager.poolCounts["python"]?.ready == 3)
        _ = try await f.manager.create(params: ["language": "python", "network": true], principal: "alice")
        await fill(f)
        #expect(await f.manager.poolCounts["python"]?.ready == 2)
        await f.manager.shutdown()
    }

    @Test func shutdown_ClosesEveryPooledSandboxAndWorkspace() async throws {
        let f = fixture(); defer { f.cleanup() }
        await fill(f)
        let workspaces = f.driver.calls("session.open").compactMap { $0.params["workspace"]?.string }
        #expect(workspaces.count == 2 && workspaces.allSatisfy(f.exists))
        await f.manager.shutdown()
        #expect(f.driver.liveHandles.isEmpty)
        #expect(!workspaces.contains(where: f.exists))
        await f.manager.refillPool()
        #expect(await f.manager.poolCounts["python"]?.ready == 0 && f.driver.calls("session.open").count == 2)
    }
}
