import DriverProtocol
import Foundation
import Synchronization
import Testing

@testable import Host

@Suite struct SessionCreateRaceTests {
    func manager(
        _ storage: GatedStorage, security: SecurityLayer, _ edit: (inout SessionManagerConfig) -> Void = { _ in }
    ) -> (SessionManager, String) {
        let root = "/tmp/cb-sess-tests/" + UUID().uuidString
        var config = SessionManagerConfig()
        config.workspaceRoot = root
        edit(&config)
        return (
            SessionManager(
                drivers: [SessionTestDriver()], config: config, policy: SecuritySessionPolicy(security),
                storage: storage,
                logger: Logger("test", sink: Logger.Sink { _ in })), root
        )
    }

    @Test func sixtyConcurrentCreates_GiveExactlyTheConfiguredTwenty() async throws {
        var c = SecurityConfig()
        c.enableAuditLogging = false
        let security = SecurityLayer(config: c, metrics: CodeBeakerMetrics(), audit: nil)
        let storage = GatedStorage()
        let (m, root) = manager(storage, security: security)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let refused = Shared<[RPCError]>([])
        let tasks = (0..<60).map { _ in
            Task { () -> Bool in
                do { _ = try await m.create(params: ["language": "python"], principal: "alice"); return true } catch {
                    refused.withLock { $0.append(error as! RPCError) }
                    return false
                }
            }
        }
        // Every call has either been refused or is waiting for its workspace.
        #expect(await eventually(10) { storage.waitingCount + refused.withLock { $0.count } == 60 })
        storage.openGate()
        var created = 0
        for t in tasks where await t.value { created += 1 }
        #expect(created == 20)
        let errors = refused.withLock { $0 }
        #expect(
            errors.count == 40
                && errors.allSatisfy { $0.code == -32029 && $0.data?["rule"] == "maxSessionsPerPrincipal" })
        // Closing one frees exactly one place.
        let first = await m.list(principal: "alice")[0]
        try await m.close(sessionId: first.id, principal: "alice")
        _ = try await m.create(params: ["language": "python"], principal: "alice")
        await #expect(throws: RPCError.self) {
            _ = try await m.create(params: ["language": "python"], principal: "alice")
        }
    }

    @Test func failedCreates_GiveTheirPlaceBack() async throws {
        var c = SecurityConfig()
        c.enableAuditLogging = false
        c.maxSessionsPerPrincipal = 1
        let security = SecurityLayer(config: c, metrics: CodeBeakerMetrics(), audit: nil)
        let storage = GatedStorage()
        storage.openGate()
        let (m, root) = manager(storage, security: security)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Refused after the policy reserved: bad params, no runtime, a dockerImage no runtime here can use.
        for params: JSONValue in [
            ["language": "python", "memoryLimitMB": "lots"], ["language": "ruby"],
            ["language": "python", "dockerImage": "python:3.12"],
            ["language": "python", "runtimeType": "Python", "dockerImage": "python:3.12"],
        ] {
            await #expect(throws: RPCError.self) { _ = try await m.create(params: params, principal: "alice") }
        }
        _ = try await m.create(params: ["language": "python"], principal: "alice")
    }

    @Test func dockerImage_IsNeverSilentlyIgnored() async {
        let storage = GatedStorage()
        storage.openGate()
        let security = SecurityLayer(
            config: {
                var c = SecurityConfig(); c.enableAuditLogging = false; return c
            }(), metrics: CodeBeakerMetrics(), audit: nil)
        let (m, root) = manager(storage, security: security)
        defer { try? FileManager.default.removeItem(atPath: root) }
        func error(_ params: JSONValue) async -> RPCError? {
            do { _ = try await m.create(params: params, principal: "alice"); return nil } catch { return error }
        }
        let implicit = await error(["language": "python", "dockerImage": "python:3.12"])
        #expect(implicit?.code == -32002 && implicit?.message.contains("dockerImage needs the Docker runtime") == true)
        let explicit = await error(["language": "python", "runtimeType": "Python", "dockerImage": "python:3.12"])
        #expect(explicit?.code == -32602 && explicit?.data?["field"] == "dockerImage")
    }

    @Test func serverCap_IsConfigurable_AndReservedAtomically() async throws {
        let storage = GatedStorage()
        let security = SecurityLayer(
            config: {
                var c = SecurityConfig(); c.enableAuditLogging = false; return c
            }(), metrics: CodeBeakerMetrics(), audit: nil)
        let (m, root) = manager(storage, security: security) { $0.maxSessions = 3 }
        defer { try? FileManager.default.removeItem(atPath: root) }
        let results = Shared<[Int]>([])
        let tasks = (0..<8).map { i in
            Task {
                do {
                    _ = try await m.create(params: ["language": "python"], principal: "p\(i)");
                    results.withLock { $0.append(0) }
                } catch {
                    results.withLock { $0.append((error as! RPCError).code) }
                }
            }
        }
        #expect(await eventually(10) { storage.waitingCount + results.withLock { $0.count } == 8 })
        storage.openGate()
        for t in tasks { await t.value }
        let r = results.withLock { $0 }
        #expect(r.filter { $0 == 0 }.count == 3 && r.filter { $0 == -32002 }.count == 5)
    }
}
