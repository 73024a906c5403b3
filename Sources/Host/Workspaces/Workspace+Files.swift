import CSystem
public import DriverProtocol
import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// copy_file and delete_file.
extension Workspace {
    public struct CopyResult: Sendable, Equatable {
        public var sourcePath: String
        public var destinationPath: String
        public var bytes: Int
        public var json: JSONValue {
            ["sourcePath": .string(sourcePath), "destinationPath": .string(destinationPath), "bytes": .int(bytes)]
        }
    }

    /// Copies a regular file, overwriting the destination. A destination that is an existing directory
    /// receives the file under its own name, as `cp` does.
    ///
    /// Streams: the kernel copies (`copy_file_range`, or a fixed 256 KiB buffer where that is not
    /// supported), so a 100 MB copy costs no host memory. The content goes to a temporary file renamed over
    /// the destination, so a copy that does not fit (quota) or is too large leaves the destination as it was.
    public func copy(from source: String, to destination: String) throws(WorkspaceError) -> CopyResult {
        let src = try resolve(source)
        if src.isRoot { throw WorkspaceError(.notAFile, "Is a directory: \(src)") }
        let parent = try openDirectoryForLookup(src)
        defer { close(parent) }
        let (sfd, st) = try openFile(in: parent, at: src, flags: O_RDONLY, create: false)
        defer { close(sfd) }
        let limit = limits.maxCopyBytes
        let tooLarge = WorkspaceError(.tooLarge, "\(src) is larger than the copy limit of \(limit) bytes")
        if Int(st.st_size) > limit { throw tooLarge }
        var dst = try resolve(destination)
        if let fd = try? openDirectory(dst, create: false) { close(fd); dst = dst.appending(src.name) }
        if dst.isRoot { throw WorkspaceError(.notAFile, "Is a directory: \(dst)") }
        var copied = 0
        try replaceAtomically(dst) { (dfd: Int32) throws(WorkspaceError) -> Int32 in
            switch Self.stream(from: sfd, to: dfd, limit: limit) {
            case .done(let n): copied = n; return 0
            case .failed(let err): return err
            case .tooLarge: throw tooLarge  // the file grew while it was copied
            }
        }
        return CopyResult(sourcePath: src.description, destinationPath: dst.description, bytes: copied)
    }

    enum StreamResult: Equatable {
        case done(Int)
        case failed(Int32)
        case tooLarge
    }

    /// Copies from the current offsets to EOF, at most `limit` bytes (one more is `.tooLarge`).
    static func stream(from sfd: Int32, to dfd: Int32, limit: Int) -> StreamResult {
        var total = 0
        var kernel = true
        var buffer: [UInt8] = []
        while true {
            let want = min(1 << 20, limit + 1 - total)
            if want <= 0 { return .tooLarge }
            var n: Int
            if kernel {
                n = cs_copy_file_range(sfd, dfd, want)
                if n < 0 && total == 0 && [ENOSYS, EXDEV, EINVAL, EOPNOTSUPP, EBADF].contains(Int32(-n)) {
                    kernel = false
                    continue
                }
                if n < 0 { return .failed(Int32(-n)) }
            } else {
                if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: 256 << 10) }
                n = buffer.withUnsafeMutableBytes { p in
                    Syscall.retrying { Glibc.read(sfd, p.baseAddress!, min(want, p.count)) }
                }
                if n < 0 { return .failed(errno) }
                if n > 0, !buffer.withUnsafeBytes({ Sys.writeAll(dfd, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
                    return .failed(errno)
                }
            }
            if n == 0 { return .done(total) }
            total += n
            if total > limit { return .tooLarge }
        }
    }

    public struct DeleteResult: Sendable, Equatable {
        public var path: String
        public var type: String
        public var json: JSONValue { ["path": .string(path), "deleted": true, "type": .string(type)] }
    }

    /// Deletes a file, a symlink (the link itself, never its target) or a directory tree.
    public func delete(_ clientPath: String) throws(WorkspaceError) -> DeleteResult {
        let path = try resolve(clientPath)
        if path.isRoot { throw WorkspaceError(.invalidPath, "Refused: cannot delete the workspace root") }
        let parent = try openDirectoryForLookup(path)
        defer { close(parent) }
        guard let st = Sys.lstat(parent, path.name) else {
            if errno == ENOENT { throw WorkspaceError(.notFound, "File not found: \(path)") }
            throw WorkspaceError(.io, "Cannot delete \(path): \(Sys.errorText())")
        }
        let type = Self.typeName(st)
        try removeTree(parent, path.name, at: path)
        return DeleteResult(path: path.description, type: type)
    }

    /// Removes the whole workspace (session close). Symlinks inside are unlinked, never followed.
    public func removeAll() throws(WorkspaceError) {
        let slash = root.lastIndex(of: "/") ?? root.startIndex
        let parentPath = slash == root.startIndex ? "/" : String(root[..<slash])
        let name = String(root[root.index(after: slash)...])
        let parent = Sys.retry { open(parentPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if parent < 0 { throw WorkspaceError(.io, "Cannot open \(parentPath): \(Sys.errorText())") }
        defer { close(parent) }
        if Sys.lstat(parent, name) == nil { return }
        try removeTree(parent, name, at: WorkspacePath(components: []))
    }

    /// Removes `name` (a file, link or directory tree) below `parent`. Directories nested deeper than
    /// `limits.maxDepth` are first moved up into the tree's top directory and removed from there, so user
    /// code cannot make deletion fail (or exhaust fds) with a very deep tree.
    private func removeTree(_ parent: Int32, _ name: String, at path: WorkspacePath) throws(WorkspaceError) {
        if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else {
            throw WorkspaceError(.io, "Cannot delete \(path): \(Sys.errorText())")
        }
        let top = Sys.retry { openat(parent, name, Self.dirFlags) }
        if top >= 0 {
            defer { close(top) }
            var deferred: [String] = []
            for child in Sys.entries(top) ?? [] {
                try removeEntry(top, child, at: path.appending(child), depth: 1, top: top, deferred: &deferred)
            }
            while let moved = deferred.popLast() {
                try removeEntry(top, moved, at: path.appending(moved), depth: 1, top: top, deferred: &deferred)
            }
        }
        try removeDirectory(parent, name, at: path)
    }

    private func removeEntry(
        _ parent: Int32, _ name: String, at path: WorkspacePath, depth: Int, top: Int32,
        deferred: inout [String]
    ) throws(WorkspaceError) {
        if unlinkat(parent, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else {
            throw WorkspaceError(.io, "Cannot delete \(path): \(Sys.errorText())")
        }
        if depth >= limits.maxDepth {
            let moved = ".cb-deep-\(UInt64.random(in: 0...UInt64.max))"
            guard renameat(parent, name, top, moved) == 0 else {
                throw WorkspaceError(.tooDeep, "Cannot delete \(path): \(Sys.errorText())")
            }
            deferred.append(moved)
            return
        }
        // A directory: empty it through an O_NOFOLLOW fd. If user code swapped it for a symlink meanwhile,
        // the open fails and removeDirectory unlinks the link itself.
        let fd = Sys.retry { openat(parent, name, Self.dirFlags) }
        if fd >= 0 {
            defer { close(fd) }
            for child in Sys.entries(fd) ?? [] {
                try removeEntry(fd, child, at: path.appending(child), depth: depth + 1, top: top, deferred: &deferred)
            }
        }
        try removeDirectory(parent, name, at: path)
    }

    private func removeDirectory(_ parent: Int32, _ name: String, at path: WorkspacePath) throws(WorkspaceError) {
        if unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT { return }
        if errno == ENOTDIR, unlinkat(parent, name, 0) == 0 { return }
        throw WorkspaceError(.io, "Cannot delete \(path): \(Sys.errorText())")
    }

    static func typeName(_ st: stat) -> String {
        if Sys.isRegular(st) { return "file" }
        if Sys.isDirectory(st) { return "directory" }
        if Sys.isSymlink(st) { return "symlink" }
        return "other"
    }
}
