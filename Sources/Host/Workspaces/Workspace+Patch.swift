public import DriverProtocol
import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// diff and apply_patch on workspace files.
extension Workspace {
    public struct DiffResult: Sendable, Equatable {
        public var path: String
        public var otherPath: String?
        public var diff: String
        public var stats: UnifiedDiff.Stats
        public var json: JSONValue {
            [
                "path": .string(path), "otherPath": JSONValue(otherPath), "diff": .string(diff),
                "changed": .bool(!diff.isEmpty),
                "additions": .int(stats.additions), "deletions": .int(stats.deletions),
            ]
        }
    }

    /// Unified diff from the file at `clientPath` to `content` (what it would become) or to the file at
    /// `otherPath`. A missing `clientPath` counts as empty when `content` is given (diff of a new file).
    public func diff(_ clientPath: String, content: String? = nil, otherPath: String? = nil) throws(WorkspaceError)
        -> DiffResult
    {
        let path = try resolve(clientPath)
        guard content != nil || otherPath != nil else {
            throw WorkspaceError(.invalidInput, "diff needs content or otherPath")
        }
        var oldText = ""
        var oldName = "a/" + path.relative
        do throws(WorkspaceError) { oldText = try text(clientPath) } catch {
            guard error.kind == .notFound, content != nil else { throw error }
            oldName = "/dev/null"
        }
        var newText = content ?? ""
        var newName = "b/" + path.relative
        var other: WorkspacePath?
        if let otherPath {
            other = try resolve(otherPath)
            newText = try text(otherPath)
            newName = "b/" + other!.relative
        }
        for (text, name) in [(oldText, path.description), (newText, other?.description ?? "content")]
        where LineDiff.lineCount(text) > limits.maxDiffLines {
            throw WorkspaceError(.tooLarge, "Cannot diff \(name): it has more than \(limits.maxDiffLines) lines")
        }
        let out: String, stats: UnifiedDiff.Stats
        do throws(LineDiff.BudgetExceeded) {
            (out, stats) = try UnifiedDiff.make(
                old: oldText, new: newText, oldName: oldName, newName: newName, maxSteps: limits.maxDiffSteps)
        } catch {
            throw WorkspaceError(
                .tooLarge,
                "Diff too costly: the files differ in too many places far apart (gave up after \(limits.maxDiffSteps) steps); diff smaller files or parts of them"
            )
        }
        return DiffResult(path: path.description, otherPath: other?.description, diff: out, stats: stats)
    }

    func text(_ clientPath: String) throws(WorkspaceError) -> String {
        let (bytes, truncated, _, path) = try readBytes(clientPath, limit: limits.maxFileBytes)
        if truncated { throw WorkspaceError(.tooLarge, "\(path) is larger than \(limits.maxFileBytes) bytes") }
        return String(decoding: bytes, as: UTF8.self)
    }

    public struct PatchResult: Sendable, Equatable {
        public struct Change: Sendable, Equatable {
            public var path: String
            /// created, modified or deleted.
            public var action: String
            public init(path: String, action: String) { self.path = path; self.action = action }
        }
        public var changes: [Change]
        public var json: JSONValue {
            [
                "files": .array(changes.map { ["path": .string($0.path), "action": .string($0.action)] }),
                "changed": JSONValue(changes.map(\.path)), "count": .int(changes.count),
            ]
        }
    }

    /// Applies a unified diff. Every file's new content is computed first; if any hunk fails nothing is
    /// written. Each file is then replaced atomically (temp file + rename in its directory).
    public func applyPatch(_ text: String) throws(WorkspaceError) -> PatchResult {
        if text.utf8.count > limits.maxFileBytes {
            throw WorkspaceError(.tooLarge, "Patch is larger than \(limits.maxFileBytes) bytes")
        }
        let patch = try UnifiedPatch(parsing: text)
        var planned: [(path: WorkspacePath, content: [String]?, action: String)] = []
        for file in patch.files {
            let target = try resolve(file.newPath ?? file.oldPath!)
            var old: [String] = []
            if let oldPath = file.oldPath {
                old = LineDiff.lines(try self.text(oldPath))
            } else if (try? readBytes(target.description, limit: 0)) != nil {
                throw WorkspaceError(.patchFailed, "Patch creates \(target), which already exists")
            }
            let new = try PatchApplier.apply(file.hunks, to: old, file: target.description)
            if file.newPath == nil {
                if !new.isEmpty {
                    throw WorkspaceError(.patchFailed, "Patch deletes \(target) but does not remove all of its lines")
                }
                planned.append((target, nil, "deleted"))
            } else {
                planned.append((target, new, file.oldPath == nil ? "created" : "modified"))
            }
        }
        var changes: [PatchResult.Change] = []
        for p in planned {
            if let content = p.content {
                let bytes = Array(content.joined().utf8)
                if bytes.count > limits.maxFileBytes {
                    throw WorkspaceError(.tooLarge, "\(p.path) would exceed \(limits.maxFileBytes) bytes")
                }
                try replaceAtomically(p.path, bytes: bytes)
            } else {
                _ = try delete(p.path.description)
            }
            changes.append(.init(path: p.path.description, action: p.action))
        }
        return PatchResult(changes: changes)
    }

    /// Writes a temp file next to `path` and renames it over `path` (a symlink there is refused, never followed).
    /// A write that fails (a full quota) leaves the old file as it was.
    func replaceAtomically(_ path: WorkspacePath, bytes: [UInt8]) throws(WorkspaceError) {
        try replaceAtomically(path) { fd in bytes.withUnsafeBytes { Sys.writeAll(fd, $0) } ? 0 : errno }
    }

    /// As above, with `fill` writing the new content into the temporary file's fd and returning 0 or an errno;
    /// if it throws, the temporary file is removed and the old file stays.
    func replaceAtomically(_ path: WorkspacePath, fill: (Int32) throws(WorkspaceError) -> Int32) throws(WorkspaceError)
    {
        let parent = try openDirectory(path.parent, create: true)
        defer { close(parent) }
        var mode: mode_t = 0o644
        if let st = Sys.lstat(parent, path.name) {
            // Refused like every other command on a link (a rename would replace it, never follow it).
            if Sys.isSymlink(st) {
                throw WorkspaceError(.symlink, "Refused: \(path) is a symbolic link (symlinks are not followed)")
            }
            if Sys.isRegular(st) { mode = st.st_mode & 0o7777 }
        }
        let tmp = ".cb-tmp-\(UInt64.random(in: 0...UInt64.max))"
        let fd = Sys.retry { openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode) }
        if fd < 0 { throw Self.writeError(path, errno) }
        if let uid, let gid { _ = fchown(fd, uid, gid) }
        _ = fchmod(fd, mode)
        let filled: Int32
        do throws(WorkspaceError) { filled = try fill(fd) } catch {
            close(fd)
            unlinkat(parent, tmp, 0)
            throw error
        }
        close(fd)
        guard filled == 0, renameat(parent, tmp, parent, path.name) == 0 else {
            let err = filled != 0 ? filled : errno
            unlinkat(parent, tmp, 0)
            throw Self.writeError(path, err)
        }
    }
}
