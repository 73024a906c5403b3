import DriverProtocol
import Testing

@testable import Host

/// The pool state machine alone: entries are plain strings, times are numbers.
@Suite struct SessionPoolTests {
    typealias Pool = SessionPool<String>

    func filled(_ targets: [String: Int], parallel: Int = 8) -> Pool {
        var p = Pool(targets: targets, maxParallelStarts: parallel)
        let starts = p.plan(now: 0, readyDrivers: Set(targets.keys), headroom: 100, paused: false)
        for (i, d) in starts.enumerated() { _ = p.opened("\(d)-\(i)", driver: d, generation: 1, now: Double(i)) }
        return p
    }

    @Test func take_HandsEachEntryOutOnce_ThenMissesEmpty() {
        var p = filled(["python": 2])
        #expect(p.readyCount("python") == 2)
        let a = p.take(driver: "python", generation: 1), b = p.take(driver: "python", generation: 1)
        #expect(a.hit != nil && b.hit != nil && a.hit?.entry != b.hit?.entry)
        let c = p.take(driver: "python", generation: 1)
        #expect(c.hit == nil && c.miss == .empty && c.discarded.isEmpty)
    }

    @Test func remove_TakesOutTheEntryWhoseRunnerDied_WhichIsThenNeverHandedOut() throws {
        var p = filled(["python": 2, "node": 1])
        let names = (p.ready["python"] ?? []).map(\.entry)
        try #require(names.count == 2)
        let gone = p.remove(driver: "python", where: { $0 == names[0] })
        #expect(gone?.entry == names[0] && p.readyCount("python") == 1 && p.readyCount("node") == 1)
        #expect(p.remove(driver: "python", where: { $0 == names[0] }) == nil)  // once
        #expect(p.remove(driver: "node", where: { $0 == names[1] }) == nil)  // another driver's entries only
        #expect(p.take(driver: "python", generation: 1).hit?.entry == names[1])
        #expect(p.take(driver: "python", generation: 1).hit == nil)
    }

    @Test func take_OfDriverWithoutPool_IsNoMiss() {
        var p = filled(["python": 1])
        let r = p.take(driver: "node", generation: 1)
        #expect(r.hit == nil && r.miss == nil)
    }

    @Test func take_NeverHandsOutEntriesOfAnotherGeneration() {
        var p = filled(["python": 2])
        let r = p.take(driver: "python", generation: 2)
        #expect(r.hit == nil && r.miss == .stale && r.discarded.count == 2 && p.readyCount("python") == 0)
    }

    @Test func plan_RespectsTargetsParallelismHeadroomAndPause() {
        var p = Pool(targets: ["python": 2, "node": 2, "deno": 0], maxParallelStarts: 3)
        #expect(p.targets.keys.sorted() == ["node", "python"])
        #expect(p.plan(now: 0, readyDrivers: ["python", "node"], headroom: 10, paused: true).isEmpty)
        let first = p.plan(now: 0, readyDrivers: ["python", "node", "deno"], headroom: 10, paused: false)
        #expect(first.count == 3 && Set(first) == ["node", "python"])  // round-robin across drivers
        #expect(p.plan(now: 0, readyDrivers: ["python", "node"], headroom: 10, paused: false).isEmpty)
        _ = p.opened("n1", driver: "node", generation: 1, now: 1)
        let next = p.plan(now: 1, readyDrivers: ["python", "node"], headroom: 10, paused: false)
        #expect(next.count == 1)
        _ = p.opened("x", driver: next[0], generation: 1, now: 1)
        var q = Pool(targets: ["python": 4], maxParallelStarts: 4)
        #expect(q.plan(now: 0, readyDrivers: ["python"], headroom: 1, paused: false) == ["python"])
        #expect(q.plan(now: 0, readyDrivers: [], headroom: 5, paused: false).isEmpty)  // driver not ready
    }

    @Test func plan_NeverExceedsTargetCountingStartsInFlight() {
        var p = Pool(targets: ["python": 2], maxParallelStarts: 8)
        #expect(p.plan(now: 0, readyDrivers: ["python"], headroom: 100, paused: false) == ["python", "python"])
        #expect(p.plan(now: 0, readyDrivers: ["python"], headroom: 100, paused: false).isEmpty)
        #expect(p.total == 2)
    }

    @Test func failedStarts_BackOffDoublingWithInjectedClock() {
        var p = Pool(targets: ["python": 1], backoffSeconds: 1, maxBackoffSeconds: 3)
        #expect(p.plan(now: 0, readyDrivers: ["python"], headroom: 5, paused: false) == ["python"])
        p.failed(driver: "python", now: 10)
        #expect(p.plan(now: 10.5, readyDrivers: ["python"], headroom: 5, paused: false).isEmpty)
        #expect(p.plan(now: 11, readyDrivers: ["python"], headroom: 5, paused: false) == ["python"])
        p.failed(driver: "python", now: 11)
        #expect(p.plan(now: 12.9, readyDrivers: ["python"], headroom: 5, paused: false).isEmpty)
        #expect(p.plan(now: 13, readyDrivers: ["python"], headroom: 5, paused: false) == ["python"])
        p.failed(driver: "python", now: 13)
        p.failed(driver: "python", now: 13)  // capped at 3 s
        #expect(p.plan(now: 16, readyDrivers: ["python"], headroom: 5, paused: false) == ["python"])
        #expect(p.opened("ok", driver: "python", generation: 1, now: 16) == .pooled)
    }

    @Test func cancelledStart_DoesNotBackOff() {
        var p = Pool(targets: ["python": 1])
        _ = p.plan(now: 0, readyDrivers: ["python"], headroom: 5, paused: false)
        p.cancelled(driver: "python")
        #expect(p.total == 0 && p.plan(now: 0, readyDrivers: ["python"], headroom: 5, paused: false) == ["python"])
    }

    @Test func opened_IsDiscardedWhenRefusedOrAfterShutdown() {
        var p = Pool(targets: ["python": 3], maxParallelStarts: 3)
        _ = p.plan(now: 0, readyDrivers: ["python"], headroom: 5, paused: false)
        #expect(
            p.opened("a", driver: "python", generation: 1, now: 0, refuse: .driverRestarted)
                == .discard(.driverRestarted))
        #expect(p.opened("b", driver: "python", generation: 1, now: 0) == .pooled)
        #expect(p.shutdown().map(\.entry) == ["b"])
        #expect(p.opened("c", driver: "python", generation: 1, now: 0) == .discard(.shutdown))
        #expect(p.total == 0 && p.plan(now: 0, readyDrivers: ["python"], headroom: 5, paused: false).isEmpty)
    }

    @Test func evictOldest_TakesTheOldestAcrossDrivers() {
        var p = filled(["python": 1, "node": 1])
        let order = [p.evictOldest()?.readyAt, p.evictOldest()?.readyAt]
        #expect(order == [0, 1] && p.evictOldest() == nil && p.readyTotal == 0)
    }

    @Test func removeAllOfRestartedDriver_LeavesOthers() {
        var p = filled(["python": 2, "node": 1])
        #expect(p.removeAll(driver: "python").count == 2 && p.readyCount("node") == 1)
    }

    @Test func config_TargetsFromSizeAndPerDriverOverrides() throws {
        var c = SessionPoolConfig()
        #expect(c.targets == ["python": 2, "node": 2, "deno": 2, "bun": 2])
        c = try SessionPoolConfig(json: ["size": 1, "drivers": ["deno": 0, "docker": 3]])
        #expect(c.targets == ["python": 1, "node": 1, "bun": 1, "docker": 3])
        #expect(SessionPoolConfig.off.targets.isEmpty)
        #expect(throws: ServerConfig.Error.self) { try SessionPoolConfig(json: ["size": 65]) }
        #expect(throws: ServerConfig.Error.self) { try SessionPoolConfig(json: ["sizes": 1]) }
        let o = try CommandLineOptions.parse(["--pool-size", "0"])
        var s = ServerConfig()
        try o.apply(to: &s)
        #expect(s.sessionPool.targets.isEmpty)
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["--pool-size", "x"]) }
    }
}
