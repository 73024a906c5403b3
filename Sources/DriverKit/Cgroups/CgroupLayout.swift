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
        let controllers = Set(readFile("\(root)/cgroup.controllers").split(whereSeparator: \.isWhitespace).map(String.init))
        if controllers.isSuperset(of: ["memory", "pids"]), access("\(root)/cgroup.procs", W_OK) == 0 { return .v2(root: root) }
        return nil
    }

    static func readFile(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
