import Glibc

extension SessionCgroup {
    /// v1: `codebeaker/<name>` in the memory, pids and (if mounted) cpu hierarchies, plus the jobs pids child.
    static func sameHierarchy(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
    }

    static func makeV1(root: String, name: String, memoryLimitMB: Int, pidsMax: Int, cpuShares: Int) throws
        -> SessionCgroup
    {
        var dirs: [String] = []
        var jobsDir: String?
        func make(_ controller: String) throws -> String {
            try makeDirectory("\(root)/\(controller)/\(parent)")
            let dir = "\(root)/\(controller)/\(parent)/\(name)"
            try makeDirectory(dir)
            dirs.append(dir)
            return dir
        }
        do {
            let mem = try make("memory")
            let bytes = String(memoryLimitMB << 20)
            // memsw >= limit; equal means no swap beyond the limit. Absent without swap accounting. A cgroup
            // made before (a session re-opened with a larger limit) has memsw at the old limit, which would
            // refuse the new one: lift it first.
            let memsw = access(mem + "/memory.memsw.limit_in_bytes", W_OK) == 0
            if memsw { try? set(mem, "memory.memsw.limit_in_bytes", "-1") }
            try set(mem, "memory.limit_in_bytes", bytes)
            if memsw { try? set(mem, "memory.memsw.limit_in_bytes", bytes) }
            try? set(mem, "memory.swappiness", "0")
            let pids = try make("pids")
            try set(pids, "pids.max", String(pidsMax))
            let jobs = pids + "/jobs"
            if pidsMax > reservedPids(pidsMax), mkdir(jobs, 0o755) == 0 || errno == EEXIST {
                if (try? set(jobs, "pids.max", String(pidsMax - reservedPids(pidsMax)))) != nil {
                    jobsDir = jobs
                } else {
                    rmdir(jobs)
                }
            }
            if access("\(root)/cpu/cgroup.procs", W_OK) == 0, let cpu = try? make("cpu") {
                try? set(cpu, "cpu.shares", String(cpuShares))
            }
            // CPU accounting (cpuacct.usage), for the idle-CPU watchdog; its own hierarchy unless co-mounted with cpu.
            if access("\(root)/cpuacct/cgroup.procs", W_OK) == 0, !sameHierarchy("\(root)/cpuacct", "\(root)/cpu") {
                _ = try? make("cpuacct")
            }
            return SessionCgroup(
                name: name, memoryLimitMB: memoryLimitMB, pidsMax: pidsMax, dirs: dirs,
                oomFile: mem + "/memory.oom_control", pidsDir: pids, jobsPidsDir: jobsDir)
        } catch {
            if let jobsDir { rmdir(jobsDir) }
            for d in dirs { rmdir(d) }
            throw error
        }
    }
}
