import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The directory that holds every session's workspace, and its housekeeping.
public enum WorkspaceRoot: Sendable {
    /// mkdir -p (0711: traversable, not listable, by sandbox uids).
    public static func makeDirectories(_ path: String) throws(WorkspaceError) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o711) != 0 && errno != EEXIST {
                throw WorkspaceError(.io, "cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Bytes in use on the filesystem at `path` (a workspace volume: what the session has written).
    static func usedBytes(_ path: String) -> Int? {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return nil }
        return Int(fs.f_blocks - fs.f_bfree) * Int(fs.f_frsize)
    }

    /// Bytes free for unprivileged writers on the filesystem at `path`.
    static func freeBytes(_ path: String) -> Int? {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return nil }
        return Int(fs.f_bavail) * Int(fs.f_frsize)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// Takes `<root>/.lock` for the life of the process, so two hosts never share (and sweep) one root.
    /// Returns the held fd, or nil if another live host holds it.
    public static func lock(_ root: String) -> Int32? {
        let fd = open(root + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { close(fd); return nil }
        return fd
    }

    /// Removes what a previous host that died without closing its sessions left behind: volumes still
    /// mounted below the root, and session workspaces (sessions never outlive their host). Returns how
    /// many workspaces it removed. Call only while holding `lock`.
    @discardableResult
    public static func sweep(_ root: String, logger: Logger) -> Int {
        for mountPoint in MountTable.current().mountPoints(below: root) {
            while umount2(mountPoint, Int32(MNT_DETACH)) == 0 {}
        }
        var removed = 0
        for name in FD.directoryNames(root) where name.hasPrefix("s_") || name == VolumeStorage.imagesDirName {
            do throws(WorkspaceError) {
                try Workspace(root: root + "/" + name).removeAll()
                if name.hasPrefix("s_") { removed += 1 }
            } catch {
                logger.warning("cannot remove a stale workspace", ["path": root + "/" + name, "error": error.message])
            }
        }
        if removed > 0 { logger.info("removed stale workspaces", ["count": String(removed)]) }
        return removed
    }
}
