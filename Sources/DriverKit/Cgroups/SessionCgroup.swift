import CSystem
import FoundationEssentials
import Glibc

/// One session's cgroup (v1, as on this host): `codebeaker/<name>` under the memory, pids and cpu
/// hierarchies. Processes join it through `ProcessSpec.cgroupProcs` before they drop privileges.
/// If cgroups are unavailable `create` returns nil and logs why; callers then report lower isolation.
public final class SessionCgroup: Sendable {
    public static let mount = "/sys/fs/cgroup"
    public static let parent = "codebeaker"

    public let name: String
    public let memoryLimitMB: Int
    public let pidsMax: Int
    /// Every cgroup directory created (memory, pids, cpu).
    public let dirs: [String]
    public var procsFiles: [String] { dirs.map { $0 + "/cgroup.procs" } }
    /// A child of the pids cgroup for one-off jobs (shell commands, installs), limited to `pidsMax` minus
    /// `reservedPids`, so a fork bomb there cannot leave the session's long-lived runner without pids to
    /// restart or to start threads. nil if it could not be made (jobs then share the session's limit).
    public let jobsPidsDir: String?
    /// The cgroup.procs files a one-off job joins: the session's, with the pids one swapped for `jobsPidsDir`.
    public var jobProcsFiles: [String] {
        guard let jobsPidsDir, let pidsDir else { return procsFiles }
        return dirs.map { ($0 == pidsDir ? jobsPidsDir : $0) + "/cgroup.procs" }
    }
    private let memoryDir: String?
    private let pidsDir: String?

    static func reservedPids(_ pidsMax: Int) -> Int { max(8, min(64, pidsMax / 4)) }

    private init(name: String, memoryLimitMB: Int, pidsMax: Int, dirs: [String], memoryDir: String?, pidsDir: String?,
                 jobsPidsDir: String?) {
        self.name = name; self.memoryLimitMB = memoryLimitMB; self.pidsMax = pidsMax
        self.dirs = dirs; self.memoryDir = memoryDir; self.pidsDir = pidsDir; self.jobsPidsDir = jobsPidsDir
    }

    /// True when the memory and pids controllers are mounted and writable.
    public static var isAvailable: Bool {
        access("\(mount)/memory/cgroup.procs", W_OK) == 0 && access("\(mount)/pids/cgroup.procs", W_OK) == 0
    }

    public static func create(name: String, memoryLimitMB: Int, pidsMax: Int = 256, cpuShares: Int = 1024) -> SessionCgroup? {
        guard isAvailable else {
            DriverLog.warning("cgroups unavailable (\(mount)/memory, \(mount)/pids); running without memory/pids limits")
            return nil
        }
        let safe = String(name.unicodeScalars.map { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" ? Character($0) : "_" })
        var dirs: [String] = []
        var memoryDir: String?, pidsDir: String?, jobsDir: String?
        do {
            let mem = try make("memory", safe)
            dirs.append(mem); memoryDir = mem
            let bytes = String(memoryLimitMB << 20)
            try set(mem, "memory.limit_in_bytes", bytes)
            // memsw >= limit; equal means no swap beyond the limit. Absent without swap accounting.
            if access(mem + "/memory.memsw.limit_in_bytes", W_OK) == 0 { try? set(mem, "memory.memsw.limit_in_bytes", bytes) }
            try? set(mem, "memory.swappiness", "0")
            let pids = try make("pids", safe)
            dirs.append(pids); pidsDir = pids
            try set(pids, "pids.max", String(pidsMax))
            let jobs = pids + "/jobs"
            if pidsMax > reservedPids(pidsMax), mkdir(jobs, 0o755) == 0 || errno == EEXIST {
                if (try? set(jobs, "pids.max", String(pidsMax - reservedPids(pidsMax)))) != nil { jobsDir = jobs } else { rmdir(jobs) }
            }
            if access("\(mount)/cpu/cgroup.procs", W_OK) == 0, let cpu = try? make("cpu", safe) {
                dirs.append(cpu)
                try? set(cpu, "cpu.shares", String(cpuShares))
            }
        } catch {
            DriverLog.warning("cgroup setup for \(safe) failed: \(error); running without memory/pids limits")
            if let jobsDir { rmdir(jobsDir) }
            for d in dirs { rmdir(d) }
            return nil
        }
        return SessionCgroup(name: safe, memoryLimitMB: memoryLimitMB, pidsMax: pidsMax, dirs: dirs, memoryDir: memoryDir,
                             pidsDir: pidsDir, jobsPidsDir: jobsDir)
    }

    /// Removes cgroups named `<prefix><pid>-...` whose driver pid is gone (kills what is left in them).
    public static func removeStale(prefix: String) {
        for controller in ["memory", "pids", "cpu"] {
            let base = "\(mount)/\(controller)/\(parent)"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { continue }
            for n in names where n.hasPrefix(prefix) {
                let rest = n.dropFirst(prefix.count)
                guard let pid = Int32(rest.prefix { $0.isNumber }), kill(pid, 0) != 0 && errno == ESRCH else { continue }
                _ = cs_kill_cgroup("\(base)/\(n)/cgroup.procs")
                _ = cs_kill_cgroup("\(base)/\(n)/jobs/cgroup.procs")
                usleep(1000)
                rmdir("\(base)/\(n)/jobs")
                rmdir("\(base)/\(n)")
            }
        }
    }

    /// The kernel's count of OOM kills in this cgroup (memory.oom_control `oom_kill`); compare before and after.
    public func oomKillCount() -> Int {
        guard let dir = memoryDir, let text = try? String(contentsOfFile: dir + "/memory.oom_control", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? 0
        }
        return 0
    }

    /// How often the memory limit was hit (memory.failcnt).
    public func memoryFailCount() -> Int {
        guard let dir = memoryDir, let text = try? String(contentsOfFile: dir + "/memory.failcnt", encoding: .utf8) else { return 0 }
        return Int(text.filter { !$0.isWhitespace }) ?? 0
    }

    /// Pids currently in the cgroup.
    public func pids() -> [Int32] {
        guard let first = dirs.first, let text = try? String(contentsOfFile: first + "/cgroup.procs", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    /// SIGKILLs every process in the cgroup.
    public func killAll() {
        if let first = dirs.first { _ = cs_kill_cgroup(first + "/cgroup.procs") }
    }

    /// Kills everything, waits briefly for the cgroup to empty, and removes it.
    public func destroy() {
        for _ in 0..<50 {
            killAll()
            if pids().isEmpty { break }
            usleep(10_000)
        }
        if let jobsPidsDir { rmdir(jobsPidsDir) }
        for d in dirs where rmdir(d) != 0 && errno != ENOENT {
            DriverLog.warning("rmdir \(d): \(String(cString: strerror(errno)))")
        }
    }

    private static func make(_ controller: String, _ name: String) throws -> String {
        let parentDir = "\(mount)/\(controller)/\(parent)"
        if mkdir(parentDir, 0o755) != 0 && errno != EEXIST { throw DriverError.internal("mkdir \(parentDir): \(String(cString: strerror(errno)))") }
        let dir = "\(parentDir)/\(name)"
        if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw DriverError.internal("mkdir \(dir): \(String(cString: strerror(errno)))") }
        return dir
    }

    private static func set(_ dir: String, _ file: String, _ value: String) throws {
        let path = dir + "/" + file
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DriverError.internal("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard FD.writeAll(fd, Array(value.utf8)) else { throw DriverError.internal("write \(path): \(String(cString: strerror(errno)))") }
    }
}
