public import DriverProtocol
import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// list_directory / list_files: recursive walk through O_NOFOLLOW fds; symlinks are listed, never entered.
extension Workspace {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var path: String
        /// file, directory, symlink or other.
        public var type: String
        public var size: Int
        /// ISO 8601 UTC modification time.
        public var modified: String
        public var json: JSONValue {
            [
                "name": .string(name), "path": .string(path), "type": .string(type), "size": .int(size),
                "modified": .string(modified),
            ]
        }
    }

    public struct ListResult: Sendable, Equatable {
        public var path: String
        public var entries: [Entry]
        public var truncated: Bool
        public var json: JSONValue {
            [
                "path": .string(path), "entries": .array(entries.map(\.json)), "count": .int(entries.count),
                "truncated": .bool(truncated),
            ]
        }
    }

    /// Lists `clientPath`. `pattern` is a shell glob (fnmatch) matched against the entry name, or against
    /// the path relative to the listed directory when it contains a `/`. `maxDepth` 1 means the directory's
    /// own entries; recursive without `maxDepth` walks up to `limits.maxDepth`.
    public func list(
        _ clientPath: String = WorkspacePath.mountPoint, recursive: Bool = false, pattern: String? = nil,
        maxDepth: Int? = nil
    ) throws(WorkspaceError) -> ListResult {
        let path = try resolve(clientPath)
        let fd = try openDirectory(path, create: false)
        defer { close(fd) }
        let depth = max(1, min(recursive ? (maxDepth ?? limits.maxDepth) : 1, limits.maxDepth))
        var out: [Entry] = []
        var truncated = false
        walk(fd, at: path, relative: "", depthLeft: depth, pattern: pattern, into: &out, truncated: &truncated)
        out.sort { $0.path < $1.path }
        return ListResult(path: path.description, entries: out, truncated: truncated)
    }

    private func walk(
        _ dirfd: Int32, at dir: WorkspacePath, relative: String, depthLeft: Int, pattern: String?,
        into out: inout [Entry], truncated: inout Bool
    ) {
        guard let names = Sys.entries(dirfd) else { return }
        for name in names.sorted() {
            if out.count >= limits.maxListEntries { truncated = true; return }
            guard let st = Sys.lstat(dirfd, name) else { continue }  // vanished meanwhile
            let rel = relative.isEmpty ? name : relative + "/" + name
            let entryPath = dir.appending(name)
            if Self.matches(pattern, name: name, relative: rel) {
                out.append(
                    Entry(
                        name: name, path: entryPath.description, type: Self.typeName(st), size: Int(st.st_size),
                        modified: Timestamp.iso8601(seconds: Int(st.st_mtim.tv_sec))))
            }
            if Sys.isDirectory(st) && depthLeft > 1 {
                let child = Sys.retry { openat(dirfd, name, Self.dirFlags) }
                if child < 0 { continue }
                walk(
                    child, at: entryPath, relative: rel, depthLeft: depthLeft - 1, pattern: pattern, into: &out,
                    truncated: &truncated)
                close(child)
            }
        }
    }

    static func matches(_ pattern: String?, name: String, relative: String) -> Bool {
        guard let pattern, !pattern.isEmpty else { return true }
        if pattern.contains("/") { return fnmatch(pattern, relative, FNM_PATHNAME) == 0 }
        return fnmatch(pattern, name, 0) == 0
    }
}
