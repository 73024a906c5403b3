import Glibc

/// Which cgroup hierarchy this host offers for session limits.
public enum CgroupLayout: Sendable, Equatable {
    /// cgroup v1: one hierarchy per controller under `root` (`memory/`, `pids/`, `cpu/`).
    case v1(root: String)
    /// cgroup v2 (unified): one tree at `root` whose `cgroup.controllers` lists memory and pids.
    case v2(root: String)

    public static let mount = "/sys/fs/cgroup"

    /// v1 when its memory and pids hierarchies are mounted and writable (they own the controllers then),
    /// else v2 when the unified root offers memory and pids, else nil (no limits: isolation level 5).
    public static func detect(root: String = mount) -> CgroupLayout? {
        if access("\(root)/memory/cgroup.procs", W_OK) == 0 && access("\(root)/pids/cgroup.procs", W_OK) == 0 {
            return .v1(root: root)
        }
        let controllers = Set(
            readFile("\(root)/cgroup.controllers").split(whereSeparator: \.isWhitespace).map(String.init))
        if controllers.isSuperset(of: ["memory", "pids"]), access("\(root)/cgroup.procs", W_OK) == 0 {
            return .v2(root: root)
        }
        return nil
    }

    static func readFile(_ path: String) -> String { FD.readText(path) }
}
