#if canImport(Glibc)
    public import Glibc
#endif

/// Thin file-system helpers for the workspace: stat without following links, bounded reads, full writes
/// (EINTR handling is `Syscall`'s).
public enum Sys: Sendable {
    /// Retries `call` on EINTR; the result and errno as the call left them.
    public static func retry(_ call: () -> Int32) -> Int32 { Syscall.retrying(call) }

    public static func errorText(_ err: Int32 = errno) -> String { SystemError.text(err) }

    public static func lstat(_ dirfd: Int32, _ name: String) -> stat? {
        var st = stat()
        return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    public static func fstat(_ fd: Int32) -> stat? {
        var st = stat()
        return Glibc.fstat(fd, &st) == 0 ? st : nil
    }

    public static func isRegular(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFREG }
    public static func isDirectory(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFDIR }
    public static func isSymlink(_ st: stat) -> Bool { st.st_mode & S_IFMT == S_IFLNK }

    /// Writes every byte; false (errno set) on a write error.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        do throws(SystemError) { try FD.writeFully(fd, bytes) } catch { errno = error.errno; return false }
        return true
    }

    /// Reads up to `limit` bytes; returns the bytes and whether more were left.
    public static func read(_ fd: Int32, limit: Int, sizeHint: Int = 0) -> (bytes: [UInt8], more: Bool)? {
        var out: [UInt8] = []
        out.reserveCapacity(min(limit, max(0, sizeHint)) + 1)  // one allocation for a file that does not change
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while out.count <= limit {
            let want = min(chunk.count, limit + 1 - out.count)
            let n = chunk.withUnsafeMutableBytes { p in Syscall.retrying { Glibc.read(fd, p.baseAddress!, want) } }
            if n < 0 { return nil }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        if out.count > limit { out.removeLast(out.count - limit); return (out, true) }
        return (out, false)
    }

    /// Names in a directory (not . or ..). Consumes a dup of `dirfd`.
    public static func entries(_ dirfd: Int32) -> [String]? {
        let dup = Glibc.dup(dirfd)
        guard dup >= 0, let dir = fdopendir(dup) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: &ent.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
