import Glibc

extension SessionCgroup {
    /// v2: one leaf `codebeaker/<name>` with memory.max, memory.swap.max, pids.max and cpu.weight. The
    /// controllers are enabled down the path first (`+memory +pids [+cpu]` in the root's and `codebeaker`'s
    /// cgroup.subtree_control); `codebeaker` itself never holds a process (v2's no-internal-processes rule).
    static func makeV2(root: String, name: String, memoryLimitMB: Int, pidsMax: Int, cpuShares: Int) throws
        -> SessionCgroup
    {
        let offered = Set(
            CgroupLayout.readFile(root + "/cgroup.controllers").split(whereSeparator: \.isWhitespace).map(String.init))
        let wanted = ["memory", "pids", "cpu"].filter(offered.contains)
        let enable = wanted.map { "+" + $0 }.joined(separator: " ")
        // Already enabled by systemd on most hosts; a failure here shows up as missing controllers below.
        try? set(root, "cgroup.subtree_control", enable)
        let base = "\(root)/\(parent)"
        try makeDirectory(base)
        try set(base, "cgroup.subtree_control", enable)
        let dir = "\(base)/\(name)"
        try makeDirectory(dir)
        do {
            try set(dir, "memory.max", String(memoryLimitMB << 20))
            try? set(dir, "memory.swap.max", "0")  // absent without swap accounting
            try set(dir, "pids.max", String(pidsMax))
            // v1 shares (2...262144, default 1024) to v2 weight (1...10000, default 100).
            if wanted.contains("cpu") { try? set(dir, "cpu.weight", String(weight(shares: cpuShares))) }
        } catch {
            rmdir(dir)
            throw error
        }
        return SessionCgroup(
            name: name, memoryLimitMB: memoryLimitMB, pidsMax: pidsMax, dirs: [dir],
            oomFile: dir + "/memory.events", pidsDir: dir, jobsPidsDir: nil)
    }

    static func weight(shares: Int) -> Int { max(1, min(10_000, shares * 100 / 1024)) }
}
