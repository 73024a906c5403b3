import DriverKit
import FoundationEssentials
import Glibc

/// A session's build directory on the host (bound at /build): created owned by the session uid, mode 0700,
/// under `RuntimeSandbox.stateRoot`; removed whole at close. Files the driver writes are chowned to the uid.
struct BuildDirectory: Sendable {
    let path: String
    let uid: Int
    let gid: Int

    /// The host path of `session`'s build directory (the driver's pid keeps two drivers apart).
    static func path(session: String) -> String {
        let safe = String(session.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return "\(RuntimeSandbox.stateRoot)/build/\(getpid())-\(safe)"
    }

    /// Removes the build directories a killed driver left behind (their pid prefix is no live process).
    static func removeStale() {
        let parent = RuntimeSandbox.stateRoot + "/build"
        for n in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            guard let pid = Int32(n.prefix { $0 != "-" }), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else {
                continue
            }
            BuildDirectory(path: parent + "/" + n, uid: 0, gid: 0).remove()
        }
    }

    /// The directory, on a tmpfs of `sizeMB` of its own when the driver may mount (root): compile outputs then
    /// count against the session's memory cgroup (tmpfs pages are charged to the writer) and can never fill the
    /// host's disk; the caller gives half the session's memory, so a full /build is ENOSPC, not an OOM kill. Without mount rights a plain directory is used (each file capped by RLIMIT_FSIZE only).
    static func create(path: String, uid: Int, gid: Int, sizeMB: Int) throws(DriverError) -> BuildDirectory {
        try SandboxFiles.makeDirectory(RuntimeSandbox.stateRoot + "/build")
        let b = BuildDirectory(path: path, uid: uid, gid: gid)
        b.remove()
        try b.makeOwnedDirectory(b.path)
        let options = "size=\(sizeMB)m,mode=0700,uid=\(uid),gid=\(gid)"
        if mount("tmpfs", path, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options) != 0 {
            DriverLog.warning(
                "build directory \(path) is not a tmpfs (\(String(cString: strerror(errno)))): disk use is capped per file only"
            )
        }
        return b
    }

    /// Removes every top-level entry but `keep`: what a program left in /build outside the cached compiles
    /// would otherwise hold the session's memory (tmpfs) for good.
    func prune(keep: Set<String>) {
        for n in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where !keep.contains(n) {
            removeTree(path + "/" + n)
        }
    }

    /// Unmounts (if mounted) and removes the whole directory.
    func remove() {
        guard path.hasPrefix(RuntimeSandbox.stateRoot + "/build/") else { return }
        _ = umount2(path, Int32(MNT_DETACH))
        removeTree(path)
    }

    func makeOwnedDirectory(_ p: String) throws(DriverError) {
        guard mkdir(p, 0o700) == 0 || errno == EEXIST else {
            throw .internal("mkdir \(p): \(String(cString: strerror(errno)))")
        }
        guard chown(p, uid_t(uid), gid_t(gid)) == 0 else {
            throw .internal("chown \(p): \(String(cString: strerror(errno)))")
        }
    }

    /// A fresh, empty subdirectory (a recompile starts clean).
    func freshSubdirectory(_ name: String) throws(DriverError) -> String {
        let p = path + "/" + name
        removeTree(p)
        try makeOwnedDirectory(p)
        return p
    }

    /// Writes the program's source (O_NOFOLLOW: the sandbox owns this directory and could plant a symlink).
    func writeSource(_ text: String, to p: String) throws(DriverError) {
        unlink(p)
        let fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .internal("cannot write \(p): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchown(fd, uid_t(uid), gid_t(gid))
        guard FD.writeAll(fd, Array(text.utf8)) else { throw .internal("cannot write \(p)") }
    }

    /// `name size mtime` of every entry below `sub`, sorted (lstat: symlinks are not followed); compared on a
    /// compile cache hit.
    func listing(_ sub: String) -> [String] {
        let root = path + "/" + sub
        var out: [String] = []
        var stack = [""]
        while let rel = stack.popLast(), out.count < 10_000 {
            let dir = rel.isEmpty ? root : root + "/" + rel
            for n in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let r = rel.isEmpty ? n : rel + "/" + n
                var st = stat()
                guard lstat(root + "/" + r, &st) == 0 else { continue }
                out.append("\(r) \(st.st_mode) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)")
                if (st.st_mode & S_IFMT) == S_IFDIR { stack.append(r) }
            }
        }
        return out.sorted()
    }

    /// rm -rf without following symlinks (FileManager removes links, not their targets).
    func removeTree(_ p: String) {
        guard p.hasPrefix(RuntimeSandbox.stateRoot + "/build/") else { return }
        try? FileManager.default.removeItem(atPath: p)
    }
}
