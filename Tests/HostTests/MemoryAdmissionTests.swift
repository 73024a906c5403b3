import DriverProtocol
import Host
import Testing

@Suite struct MemoryAdmissionTests {
    @Test func admitsUntilTheSumOfLimitsReachesTheBudget() throws {
        var m = MemoryAdmission(allSessionsMB: 1024, overcommit: 2)
        #expect(m.budgetMB == 2048)
        try m.admit(1, memoryMB: 1024)
        try m.admit(2, memoryMB: 1024)
        do {
            try m.admit(3, memoryMB: 16)
            Issue.record("admitted over budget")
        } catch {
            #expect(error.code == -32002 && error.data?["rule"] == "memoryBudget")
            #expect(error.message.contains("2048 MB") && error.message.contains("close sessions"))
        }
        m.release(1)
        try m.admit(3, memoryMB: 1024)
        #expect(m.reservedMB == 2048)
    }

    @Test func oneSessionMayNotAskForMoreThanAllSessionsTogether() {
        var m = MemoryAdmission(allSessionsMB: 4096, overcommit: 16)
        #expect(throws: RPCError.self) { try m.admit(1, memoryMB: 8192) }
        #expect(m.reservedMB == 0)
    }

    @Test func releasingTwiceOrUnknownKeysChangesNothing() throws {
        var m = MemoryAdmission(allSessionsMB: 1024, overcommit: 1)
        try m.admit(7, memoryMB: 512)
        m.release(7); m.release(7); m.release(8)
        #expect(m.reservedMB == 0)
    }

    @Test func overcommitZeroTurnsTheBudgetOff() throws {
        var m = MemoryAdmission(allSessionsMB: 1024, overcommit: 0)
        for uid in UInt32(0)..<100 { try m.admit(uid, memoryMB: 1024) }
        #expect(m.budgetMB == nil)
    }

    /// The finding's host: 23.5 GB of memory. Defaults must keep 500 idle sessions (512 MB each) admissible.
    @Test func defaultsAdmit500DefaultSessionsOnA24GBHost() throws {
        let limits = SessionLimitsConfig()
        let all = limits.effectiveAllSessionsMemoryMB(hostMB: 24_104)
        #expect(all == 24_104 - 2410)
        var m = MemoryAdmission(allSessionsMB: all, overcommit: limits.memoryOvercommit)
        for uid in UInt32(0)..<500 { try m.admit(uid, memoryMB: 512) }
        #expect(m.reservedMB == 256_000)
    }

    @Test func configIsStrict() throws {
        let c = try SessionLimitsConfig(json: [
            "cpuShares": 2048, "cpuQuotaPercent": 50, "allSessionsMemoryMB": 4096,
            "memoryOvercommit": 4, "idleCpuSeconds": 2.5,
        ])
        #expect(
            c.cpuShares == 2048 && c.cpuQuotaPercent == 50 && c.allSessionsMemoryMB == 4096 && c.memoryOvercommit == 4)
        #expect(c.idleCpuSeconds == 2.5 && c.effectiveAllSessionsMemoryMB(hostMB: 100_000) == 4096)
        #expect(throws: ServerConfig.Error.self) { try SessionLimitsConfig(json: ["cpuShare": 1]) }
        #expect(throws: ServerConfig.Error.self) { try SessionLimitsConfig(json: ["cpuQuotaPercent": -1]) }
        var server = ServerConfig()
        try server.apply(json: ["sessionLimits": ["cpuShares": 512]])
        #expect(SessionManagerConfig(server: server).defaultCpuShares == 512)
        #expect(server.json["sessionLimits"]?["cpuShares"] == 512)
    }
}
