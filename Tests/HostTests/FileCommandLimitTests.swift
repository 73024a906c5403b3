import DriverProtocol
import Foundation
import Synchronization
import Testing

@testable import Host

/// The manager's file gate and file queue, with a pool whose one thread the test holds.
@Suite struct FileCommandLimitTests {
    @Test func fileCommands_AreRefusedWhenTheGateOrTheQueueIsFull_AndCounted() async throws {
        let pool = FileWorkPool(threads: 1, capacity: 2)
        let hold = Shared(true)
        #expect(pool.submit { while hold.withLock({ $0 }) { usleep(1000) } })  // the only thread is busy
        var c = SecurityConfig()
        c.enableAuditLogging = false
        let metrics = CodeBeakerMetrics()
        let security = SecurityLayer(config: c, metrics: metrics, audit: nil)
        let storage = GatedStorage()
        storage.openGate()
        let root = "/tmp/cb-sess-tests/" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = SessionManagerConfig()
        config.workspaceRoot = root
        config.filePool = pool
        config.maxConcurrentFileCommandsPerSession = 1
        let m = SessionManager(
            drivers: [SessionTestDriver()], config: config, policy: SecuritySessionPolicy(security), storage: storage,
            logger: Logger("test", sink: Logger.Sink { _ in }))
        let s1 = try await m.create(params: ["language": "python"], principal: "alice")
        let s2 = try await m.create(params: ["language": "python"], principal: "alice")
        let write: SessionCommand = .writeFile(path: "f", content: "x", mode: .create, encoding: .utf8)
        let queued = Task { try await m.execute(sessionId: s1.id, command: write, caller: alice) }
        #expect(await eventually { pool.inFlight == 2 })
        func refusal(_ id: String) async -> RPCError? {
            do { _ = try await m.execute(sessionId: id, command: write, caller: alice); return nil } catch {
                return error
            }
        }
        let gate = await refusal(s1.id)  // s1 already has its one file command in flight
        #expect(gate?.code == -32029 && gate?.data?["rule"] == "maxConcurrentFileCommandsPerSession")
        let queue = await refusal(s2.id)  // s2 may, but the pool's queue is full
        #expect(queue?.code == -32029 && queue?.data?["rule"] == "fileQueue")
        #expect(metrics.render().contains("codebeaker_rate_limit_exceeded_total 2"))
        hold.withLock { $0 = false }
        #expect(try await queued.value.success)
        #expect(try await m.execute(sessionId: s2.id, command: write, caller: alice).success)  // everything given back
    }
}
