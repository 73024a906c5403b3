import Foundation
import Testing

@testable import DriverKit

/// Layout detection and the v2 setup, on a plain directory standing in for /sys/fs/cgroup (this CI host
/// mounts v1, where the real-kernel tests run; the v2 kernel behaviour itself is not exercised here).
@Suite struct CgroupLayoutTests {
    struct FakeRoot {
        let path = NSTemporaryDirectory() + "cb-cgroot-" + UUID().uuidString
        init(files: [String: String]) {
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, content) in files {
                let full = path + "/" + name
                try? FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: full, contents: Data(content.utf8))
            }
        }
        func read(_ rel: String) -> String? { (try? String(contentsOfFile: path + "/" + rel, encoding: .utf8)) }
        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func v1WinsWhenItsHierarchiesAreMounted() {
        let r = FakeRoot(files: [
            "memory/cgroup.procs": "", "pids/cgroup.procs": "", "cgroup.controllers": "memory pids",
        ])
        defer { r.remove() }
        #expect(CgroupLayout.detect(root: r.path) == .v1(root: r.path))
    }

    @Test func v2NeedsMemoryAndPidsOffered() {
        let full = FakeRoot(files: [
            "cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma\n", "cgroup.procs": "",
        ])
        let partial = FakeRoot(files: ["cgroup.controllers": "cpu io\n", "cgroup.procs": ""])
        let none = FakeRoot(files: [:])
        defer { full.remove(); partial.remove(); none.remove() }
        #expect(CgroupLayout.detect(root: full.path) == .v2(root: full.path))
        #expect(CgroupLayout.detect(root: partial.path) == nil)
        #expect(CgroupLayout.detect(root: none.path) == nil)
    }

    @Test func v2SetupEnablesControllersAndWritesTheLimits() throws {
        let r = FakeRoot(files: [
            "cgroup.controllers": "cpu memory pids", "cgroup.procs": "", "cgroup.subtree_control": "",
        ])
        defer { r.remove() }
        let cg = try #require(
            SessionCgroup.create(
                name: "deno-1-s/x", memoryLimitMB: 256, pidsMax: 64, cpuShares: 512,
                layout: .v2(root: r.path)))
        #expect(cg.dirs == [r.path + "/codebeaker/deno-1-s_x"])
        #expect(r.read("cgroup.subtree_control") == "+memory +pids +cpu")
        #expect(r.read("codebeaker/cgroup.subtree_control") == "+memory +pids +cpu")
        #expect(r.read("codebeaker/deno-1-s_x/memory.max") == String(256 << 20))
        #expect(r.read("codebeaker/deno-1-s_x/memory.swap.max") == "0")
        #expect(r.read("codebeaker/deno-1-s_x/pids.max") == "64")
        #expect(r.read("codebeaker/deno-1-s_x/cpu.weight") == "50")
        #expect(cg.jobsPidsDir == nil && cg.jobProcsFiles == cg.procsFiles)
        #expect(cg.procsFiles == [r.path + "/codebeaker/deno-1-s_x/cgroup.procs"])
    }

    @Test func v2OomKillsAreReadFromMemoryEvents() throws {
        let r = FakeRoot(files: ["cgroup.controllers": "memory pids", "cgroup.procs": ""])
        defer { r.remove() }
        let cg = try #require(
            SessionCgroup.create(name: "s1", memoryLimitMB: 64, pidsMax: 16, cpuShares: 1024, layout: .v2(root: r.path))
        )
        #expect(cg.oomKillCount() == 0)
        _ = FileManager.default.createFile(
            atPath: cg.dirs[0] + "/memory.events",
            contents: Data("low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n".utf8))
        #expect(cg.oomKillCount() == 2)
    }

    /// One layout's fake hierarchy, the limits asked for, and the files they must end up in.
    struct QuotaCase: Sendable, CustomStringConvertible {
        let v1: Bool
        let files: [String: String]
        let cpuShares: Int, cpuQuotaPercent: Int, allSessionsMemoryMB: Int
        let expected: [String: String]
        var description: String { v1 ? "v1" : "v2" }
    }

    static let quotaCases = [
        QuotaCase(
            v1: false,
            files: ["cgroup.controllers": "cpu memory pids", "cgroup.procs": "", "cgroup.subtree_control": ""],
            cpuShares: 1024, cpuQuotaPercent: 50, allSessionsMemoryMB: 2048,
            expected: ["codebeaker/memory.max": String(2048 << 20), "codebeaker/s1/cpu.max": "50000 100000"]),
        QuotaCase(
            v1: true, files: ["memory/cgroup.procs": "", "pids/cgroup.procs": "", "cpu/cgroup.procs": ""],
            cpuShares: 512, cpuQuotaPercent: 150, allSessionsMemoryMB: 1024,
            expected: [
                "memory/codebeaker/memory.limit_in_bytes": String(1024 << 20),
                "cpu/codebeaker/s1/cpu.cfs_quota_us": "150000", "cpu/codebeaker/s1/cpu.cfs_period_us": "100000",
                "cpu/codebeaker/s1/cpu.shares": "512",
            ]),
    ]

    @Test(arguments: quotaCases) func setsTheParentMemoryLimitAndTheSessionCPUQuota(_ c: QuotaCase) throws {
        let r = FakeRoot(files: c.files)
        defer { r.remove() }
        let cg = try #require(
            SessionCgroup.create(
                name: "s1", memoryLimitMB: 256, pidsMax: 64, cpuShares: c.cpuShares,
                cpuQuotaPercent: c.cpuQuotaPercent, allSessionsMemoryMB: c.allSessionsMemoryMB,
                layout: c.v1 ? .v1(root: r.path) : .v2(root: r.path)))
        for (file, value) in c.expected { #expect(r.read(file) == value, "\(file)") }
        if !c.v1 { cg.destroy() }
    }

    @Test func cpuSharesMapToWeights() {
        #expect(SessionCgroup.weight(shares: 1024) == 100)
        #expect(SessionCgroup.weight(shares: 2) == 1)
        #expect(SessionCgroup.weight(shares: 262_144) == 10_000)
    }
}
