import FoundationEssentials
import Glibc
import Synchronization

/// Files the driver writes once and binds read-only into sandboxes: a generated passwd/group naming the
/// sandbox user, and runner scripts. Everything lives under `root` with modes the sandbox uid can read.
public enum SandboxFiles: Sendable {
    public static let root = "/var/lib/codebeaker"
    /// Tells apart the temporary files of concurrent writes in one process (two opens of one session).
    private static let writes = Atomic<UInt64>(0)

    /// A directory with `passwd` and `group` for `uid`/`gid` (user "sandbox", home /workspace), named `name`
    /// (one per session, so closing a session can remove it; see `removeEtcDir`).
    public static func etcDir(uid: Int, gid: Int, name: String? = nil) throws(DriverError) -> String {
        let dir = "\(root)/etc/\(name ?? "\(uid)-\(gid)")"
        let passwd =
            "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
            + "sandbox:x:\(uid):\(gid):sandbox:/workspace:/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        let group = "root:x:0:\nsandbox:x:\(gid):\nnogroup:x:65534:\n"
        try write(passwd, to: dir + "/passwd")
        try write(group, to: dir + "/group")
        return dir
    }

    public static func removeEtcDir(_ dir: String) {
        guard dir.hasPrefix(root + "/etc/") else { return }
        unlink(dir + "/passwd")
        unlink(dir + "/group")
        rmdir(dir)
    }

    /// Writes `text` to `path` (mode 0644, parents 0755) unless it already holds exactly that.
    public static func write(_ text: String, to path: String) throws(DriverError) {
        let data = Data(text.utf8)
        if let existing = FileManager.default.contents(atPath: path), existing == data { return }
        do {
            let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            try makeDirectory(dir)
            let tmp = path + ".tmp.\(getpid()).\(writes.wrappingAdd(1, ordering: .relaxed).newValue)"
            try data.write(to: URL(fileURLWithPath: tmp))
            chmod(tmp, 0o644)
            guard rename(tmp, path) == 0 else {
                throw DriverError.internal("rename \(tmp): \(String(cString: strerror(errno)))")
            }
        } catch let e as DriverError {
            throw e
        } catch {
            throw .internal("cannot write \(path): \(error)")
        }
    }

    /// mkdir -p with mode 0755 on every component we create (the sandbox uid must traverse them).
    public static func makeDirectory(_ dir: String) throws(DriverError) {
        var path = ""
        for part in dir.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw .internal("mkdir \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
