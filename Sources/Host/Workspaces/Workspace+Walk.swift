import LinuxSystem

#if canImport(Glibc)
    import DriverProtocol
    import Glibc
#endif

/// Race-free path walking. Every component is opened with `openat(dirfd, name, O_NOFOLLOW)` relative to the
/// previous directory's fd, starting from the root's fd, so a symlink (or a directory swapped for one by
/// user code between two calls) is never followed: the open fails with ELOOP/ENOTDIR and we refuse.
/// Relative symlinks that stay inside are refused too: simpler to reason about, and nothing needs them.
extension Workspace {
    static let dirFlags: Int32 = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC

    func openRoot() throws(WorkspaceError) -> Int32 {
        let fd = Sys.retry { open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { throw WorkspaceError(.io, "Workspace is not available (\(Sys.errorText()))") }
        return fd
    }

    /// Opens the directory at `path`, optionally creating missing components (mkdir -p, chowned to the
    /// session's uid/gid). The caller closes the returned fd.
    func openDirectory(_ path: WorkspacePath, create: Bool) throws(WorkspaceError) -> Int32 {
        var fd = try openRoot()
        var walked = WorkspacePath(components: [])
        for name in path.components {
            walked = walked.appending(name)
            let next: Int32
            do throws(WorkspaceError) { next = try openChild(of: fd, name, at: walked, create: create) } catch {
                close(fd); throw error
            }
            close(fd)
            fd = next
        }
        return fd
    }

    private func openChild(of dirfd: Int32, _ name: String, at path: WorkspacePath, create: Bool) throws(WorkspaceError)
        -> Int32
    {
        for _ in 0..<3 {
            let fd = Sys.retry { openat(dirfd, name, Self.dirFlags) }
            if fd >= 0 { return fd }
            let err = errno
            if err == ENOENT && create {
                if mkdirat(dirfd, name, 0o755) == 0 {
                    let made = Sys.retry { openat(dirfd, name, Self.dirFlags) }
                    if made < 0 { continue }
                    if let uid, let gid { _ = fchown(made, uid, gid) }
                    return made
                }
                if errno == EEXIST { continue }  // lost a race with user code; look again
                throw WorkspaceError(.io, "Cannot create directory \(path): \(Sys.errorText())")
            }
            throw classify(err, dirfd: dirfd, name: name, at: path, wantDirectory: true)
        }
        throw WorkspaceError(.io, "Cannot open \(path): it keeps changing")
    }

    /// Turns an openat errno into a client-facing error, telling symlinks apart from files.
    func classify(_ err: Int32, dirfd: Int32, name: String, at path: WorkspacePath, wantDirectory: Bool)
        -> WorkspaceError
    {
        switch err {
        case ENOENT:
            return WorkspaceError(.notFound, wantDirectory ? "Directory not found: \(path)" : "File not found: \(path)")
        case ELOOP:
            return WorkspaceError(.symlink, "Refused: \(path) is a symbolic link (symlinks are not followed)")
        case ENOTDIR:
            if let st = Sys.lstat(dirfd, name), Sys.isSymlink(st) {
                return WorkspaceError(.symlink, "Refused: \(path) is a symbolic link (symlinks are not followed)")
            }
            return WorkspaceError(.notADirectory, "Not a directory: \(path)")
        case EISDIR:
            return WorkspaceError(.notAFile, "Is a directory: \(path)")
        case ENXIO:
            return WorkspaceError(.notAFile, "Not a regular file: \(path)")
        default:
            return WorkspaceError(.io, "Cannot open \(path): \(String(cString: strerror(err)))")
        }
    }

    /// Opens a regular file below `parentfd` without following a symlink and without blocking on a FIFO,
    /// then checks it really is a regular file we may touch.
    func openFile(in parentfd: Int32, at path: WorkspacePath, flags: Int32, create: Bool) throws(WorkspaceError) -> (
        fd: Int32, stat: stat
    ) {
        var oflags = flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        if create { oflags |= O_CREAT }
        let fd = Sys.retry { openat(parentfd, path.name, oflags, 0o644) }
        if fd < 0 { throw classify(errno, dirfd: parentfd, name: path.name, at: path, wantDirectory: false) }
        guard let st = Sys.fstat(fd) else {
            close(fd); throw WorkspaceError(.io, "Cannot stat \(path): \(Sys.errorText())")
        }
        guard Sys.isRegular(st) else {
            close(fd)
            throw WorkspaceError(
                Sys.isDirectory(st) ? .notAFile : .notAFile,
                Sys.isDirectory(st) ? "Is a directory: \(path)" : "Not a regular file: \(path)")
        }
        // A hard link to a file the session does not own (e.g. planted by user code) is refused.
        if let uid, st.st_nlink > 1, st.st_uid != uid {
            close(fd)
            throw WorkspaceError(.notAFile, "Refused: \(path) is a hard link to a file the session does not own")
        }
        if create, let uid, let gid, st.st_uid != uid || st.st_gid != gid { _ = fchown(fd, uid, gid) }
        return (fd, st)
    }
}
