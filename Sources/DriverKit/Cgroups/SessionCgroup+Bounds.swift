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
            guard CgroupLayout.readFile(dir + "/" + file).split(whereSeparator: \.isWhitespace).first.map(String.init) != bytes else { return }
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
