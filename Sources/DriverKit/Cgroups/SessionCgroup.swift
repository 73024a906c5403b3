import CSystem
import FoundationEssentials
import Glibc

/// One session's cgroup: `codebeaker/<name>` under the v1 memory, pids and cpu hierarchies, or one
/// `codebeaker/<name>` directory in the v2 tree. Processes join it through `ProcessSpec.cgroupProcs`
/// before they drop privileges. If cgroups are unavailable `create` returns nil and logs why; callers
/// then report lower isolation.
public final class SessionCgroup: Sendable {
    public static let mount = CgroupLayout.mount
    /// The cgroup under which every session's lives (and which bounds their memory together). Tests give a
    /// server its own with `CODEBEAKER_CGROUP_PARENT`, so a small parent limit cannot touch other hosts' sessions.
    public static let parent: String = {
        guard let v = getenv("CODEBEAKER_CGROUP_PARENT").map({ String(cString: $0) }), !v.isEmpty,
            v.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F })
        else { return "codebeaker" }
        return v
    }()

    public let name: String
    public let memoryLimitMB: Int
    public let pidsMax: Int
    /// Every cgroup directory created (v1: memory, pids, cpu; v2: the one directory).
    public let dirs: [String]
    public var procsFiles: [String] { dirs.map { $0 + "/cgroup.procs" } }
    /// A child of the pids cgroup for one-off jobs (shell commands, installs), limited to `pidsMax` minus
    /// `reservedPids`, so a fork bomb there cannot leave the session's long-lived runner without pids to
    /// restart or to start threads. nil if it could not be made, and on v2 (whose no-internal-processes rule
    /// would need the runner moved into a child too); jobs then share the session's limit.
    public let jobsPidsDir: String?
    /// The cgroup.procs files a one-off job joins: the session's, with the pids one swapped for `jobsPidsDir`.
    public var jobProcsFiles: [String] {
        guard let jobsPidsDir, let pidsDir else { return procsFiles }
        return dirs.map { ($0 == pidsDir ? jobsPidsDir : $0) + "/cgroup.procs" }
    }
    /// v1 `memory.oom_control`, v2 `memory.events`: both count OOM kills as `oom_kill N`.
    private let oomFile: String?
    private let pidsDir: String?

    static func reservedPids(_ pidsMax: Int) -> Int { max(8, min(64, pidsMax / 4)) }

    init(
        name: String, memoryLimitMB: Int, pidsMax: Int, dirs: [String], oomFile: String?, pidsDir: String?,
        jobsPidsDir: String?
    ) {
        self.name = name; self.memoryLimitMB = memoryLimitMB; self.pidsMax = pidsMax
        self.dirs = dirs; self.oomFile = oomFile; self.pidsDir = pidsDir; self.jobsPidsDir = jobsPidsDir
    }

    /// True when this host offers memory and pids limits (cgroup v1 or v2).
    public static var isAvailable: Bool { CgroupLayout.detect() != nil }

    public static func create(
        name: String, memoryLimitMB: Int, pidsMax: Int = 256, cpuShares: Int = 1024,
        cpuQuotaPercent: Int = 0, allSessionsMemoryMB: Int = 0
    ) -> SessionCgroup? {
        guard let layout = CgroupLayout.detect() else {
            DriverLog.warning(
                "cgroups unavailable (no writable v1 memory+pids hierarchies or v2 tree at \(mount)); running without memory/pids limits"
            )
            return nil
        }
        return create(
            name: name, memoryLimitMB: memoryLimitMB, pidsMax: pidsMax, cpuShares: cpuShares,
            cpuQuotaPercent: cpuQuotaPercent, allSessionsMemoryMB: allSessionsMemoryMB, layout: layout)
    }

    static func create(
        name: String, memoryLimitMB: Int, pidsMax: Int, cpuShares: Int, cpuQuotaPercent: Int = 0,
        allSessionsMemoryMB: Int = 0, layout: CgroupLayout
    ) -> SessionCgroup? {
        let safe = safeName(name)
        do {
            let cg: SessionCgroup
            switch layout {
            case .v1(let root):
                cg = try makeV1(
                    root: root, name: safe, memoryLimitMB: memoryLimitMB, pidsMax: pidsMax, cpuShares: cpuShares)
            case .v2(let root):
                cg = try makeV2(
                    root: root, name: safe, memoryLimitMB: memoryLimitMB, pidsMax: pidsMax, cpuShares: cpuShares)
            }
            // After the session's own setup, which enables the v2 controllers on the parent.
            if allSessionsMemoryMB > 0 { limitAllSessions(layout: layout, memoryMB: allSessionsMemoryMB) }
            if cpuQuotaPercent > 0 { cg.setCPUQuota(percent: cpuQuotaPercent, layout: layout) }
            return cg
        } catch {
            DriverLog.warning("cgroup setup for \(safe) failed: \(error); running without memory/pids limits")
            return nil
        }
    }

    /// Removes cgroups named `<prefix><pid>-...` whose driver pid is gone (kills what is left in them).
    /// `removeStale` now, and again a few times later from a background thread: the runners of a driver
    /// killed just before this one started may still be exiting (slowly, on a loaded machine), and their
    /// cgroups would otherwise stay until some later driver start.
    public static func removeStaleNowAndLater(prefix: String, after delays: [Double] = [2, 10, 30]) {
        removeStale(prefix: prefix)
        OSThread.start {
            for d in delays {
                sleep(UInt32(d))
                removeStale(prefix: prefix)
            }
        }
    }

    public static func removeStale(prefix: String) {
        let bases: [String]
        switch CgroupLayout.detect() {
        case .v1(let root)?: bases = ["memory", "pids", "cpu", "cpuacct"].map { "\(root)/\($0)/\(parent)" }
        case .v2(let root)?: bases = ["\(root)/\(parent)"]
        case nil: return
        }
        for base in bases {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { continue }
            for n in names where n.hasPrefix(prefix) {
                let rest = n.dropFirst(prefix.count)
                guard let pid = Int32(rest.prefix { $0.isNumber }), kill(pid, 0) != 0 && errno == ESRCH else {
                    continue
                }
                // Its runners were SIGKILLed with it but may still be exiting: wait for them (up to 1 s), then keep
                // retrying in the background, as `destroy` does, rather than leaving it to a later sweep.
                if !emptyAndRemove("\(base)/\(n)") { removeLater("\(base)/\(n)") }
            }
        }
    }

    /// The kernel's count of OOM kills in this cgroup; compare before and after.
    public func oomKillCount() -> Int {
        guard let oomFile else { return 0 }
        for line in CgroupLayout.readFile(oomFile).split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return Int(line.dropFirst("oom_kill ".count)) ?? 0
        }
        return 0
    }

    /// Pids currently in the cgroup.
    public func pids() -> [Int32] {
        guard let first = dirs.first else { return [] }
        return CgroupLayout.readFile(first + "/cgroup.procs").split(separator: "\n").compactMap { Int32($0) }
    }

    /// SIGKILLs every process in the cgroup.
    public func killAll() {
        if let first = dirs.first { _ = cs_kill_cgroup(first + "/cgroup.procs") }
    }

    /// Kills everything, waits briefly for the cgroup to empty, and removes it.
    public func destroy() {
        for d in dirs where !Self.emptyAndRemove(d) { Self.removeLater(d) }
    }

    /// A cgroup whose processes take longer than a second to die (a loaded machine, a large heap to unmap)
    /// is retried in the background for up to a minute instead of being left behind.
    static func removeLater(_ dir: String) {
        OSThread.start {
            for _ in 0..<60 {
                sleep(1)
                if emptyAndRemove(dir) { return }
            }
            DriverLog.warning("rmdir \(dir): \(String(cString: strerror(errno))); left behind")
        }
    }

    /// SIGKILLs what is in `dir` (and its jobs child) until it is empty, for up to ~1 s, then removes both.
    @discardableResult
    static func emptyAndRemove(_ dir: String) -> Bool {
        for _ in 0..<100 {
            let killed = cs_kill_cgroup(dir + "/cgroup.procs") + max(0, cs_kill_cgroup(dir + "/jobs/cgroup.procs"))
            if killed <= 0 && CgroupLayout.readFile(dir + "/cgroup.procs").isEmpty
                && CgroupLayout.readFile(dir + "/jobs/cgroup.procs").isEmpty
            {
                break
            }
            usleep(10_000)
        }
        rmdir(dir + "/jobs")
        return rmdir(dir) == 0 || errno == ENOENT
    }

    static func makeDirectory(_ dir: String) throws {
        if mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw DriverError.internal("mkdir \(dir): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a control file. O_CREAT only matters for tests on a plain directory standing in for cgroupfs;
    /// the kernel's control files always exist.
    static func set(_ dir: String, _ file: String, _ value: String) throws {
        let path = dir + "/" + file
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DriverError.internal("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard FD.writeAll(fd, Array(value.utf8)) else {
            throw DriverError.internal("write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
