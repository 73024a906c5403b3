import Glibc

/// Bounds beyond one session's own limits: the memory of all sessions together (the parent cgroup's limit)
/// and a hard CPU cap per session.
extension SessionCgroup {
    static let cfsPeriodMicros = 100_000

    /// Sets the parent cgroup's memory limit (v1 memory.limit_in_bytes, v2 memory.max) so that every
    /// session together stays below the host's memory: when they reach it, the kernel OOM-kills inside the
    /// sessions (the biggest process, which is usually the one growing) instead of the host. Written only
    /// when it differs; a limit below what the sessions already use fails (EBUSY) and is logged.
    static func limitAllSessions(layout: CgroupLayout, memoryMB: Int) {
        let dir: String, file: String
        switch layout {
        case .v1(let root): dir = "\(root)/memory/\(parent)"; file = "memory.limit_in_bytes"
        case .v2(let root): dir = "\(root)/\(parent)"; file = "memory.max"
        }
        let bytes = String(memoryMB << 20)
        do {
            try makeDirectory(dir)
            guard
                CgroupLayout.readFile(dir + "/" + file).split(whereSeparator: \.isWhitespace).first.map(String.init)
                    != bytes
            else { return }
            try set(dir, file, bytes)
            if case .v1 = layout, access(dir + "/memory.memsw.limit_in_bytes", W_OK) == 0 {
                try? set(dir, "memory.memsw.limit_in_bytes", bytes)
            }
        } catch {
            DriverLog.warning("cannot limit all sessions' memory to \(memoryMB) MB: \(error)")
        }
    }

    /// A hard cap of `percent` of one core (v1 cpu.cfs_quota_us, v2 cpu.max) on the session's cgroup.
    func setCPUQuota(percent: Int, layout: CgroupLayout) {
        let quota = String(percent * Self.cfsPeriodMicros / 100)
        do {
            switch layout {
            case .v1(let root):
                guard let dir = dirs.first(where: { $0.hasPrefix("\(root)/cpu/") }) else {
                    DriverLog.warning("no cpu cgroup for \(name); CPU quota not applied")
                    return
                }
                try Self.set(dir, "cpu.cfs_period_us", String(Self.cfsPeriodMicros))
                try Self.set(dir, "cpu.cfs_quota_us", quota)
            case .v2:
                try Self.set(dirs[0], "cpu.max", "\(quota) \(Self.cfsPeriodMicros)")
            }
        } catch {
            DriverLog.warning("CPU quota for \(name) not applied: \(error)")
        }
    }
}

extension SessionCgroup {
    /// Why the kernel OOM-killed in this session: its own limit, or the parent limit over all sessions
    /// (the session's peak stayed clearly below its own limit, so it was the parent's that was reached).
    public func oomReason() -> String {
        let own = ExitReason.outOfMemory(limitMB: memoryLimitMB)
        guard let mem = dirs.first(where: { $0.contains("/memory/") }) ?? (dirs.count == 1 ? dirs.first : nil) else {
            return own
        }
        let peakText =
            CgroupLayout.readFile(mem + "/memory.max_usage_in_bytes") + CgroupLayout.readFile(mem + "/memory.peak")
        guard let peak = Int(peakText.split(whereSeparator: \.isWhitespace).first ?? "") else { return own }
        // Within 4 MB of its own limit: its own.
        guard peak < (memoryLimitMB << 20) - (4 << 20) else { return own }
        let parentDir = String(mem[..<(mem.lastIndex(of: "/") ?? mem.endIndex)])
        let parentText =
            CgroupLayout.readFile(parentDir + "/memory.limit_in_bytes")
            + CgroupLayout.readFile(parentDir + "/memory.max")
        let parentMB = Int(parentText.split(whereSeparator: \.isWhitespace).first ?? "").map { $0 >> 20 }
        return "killed: out of memory (all sessions together reached this server's limit"
            + (parentMB.map { " of \($0) MB" } ?? "")
            + "; this session had \(peak >> 20) MB of its \(memoryLimitMB) MB)"
    }
}

extension SessionCgroup {
    /// CPU time used by everything in the session so far, in microseconds (v1 cpuacct.usage, v2 cpu.stat
    /// usage_usec); nil when neither is available.
    public func cpuUsageMicros() -> Int? {
        // The runner's IO loop reads this after every execution, so no failed opens: v2 (one directory) reads
        // cpu.stat; v1 tries the cpu/cpuacct directories (made last) before memory and pids.
        if dirs.count == 1 {
            for line in CgroupLayout.readFile(dirs[0] + "/cpu.stat").split(separator: "\n")
            where line.hasPrefix("usage_usec ") {
                return Int(line.dropFirst("usage_usec ".count))
            }
        }
        for d in dirs.reversed() {
            let ns = CgroupLayout.readFile(d + "/cpuacct.usage").split(whereSeparator: \.isWhitespace).first
            if let ns, let v = Int(ns) { return v / 1000 }
        }
        return nil
    }
}
