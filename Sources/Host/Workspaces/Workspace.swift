public import DriverProtocol
import FoundationEssentials
import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One session's private directory, seen by clients as `/workspace`. The host performs every file command
/// through this type; each call re-walks the path from the root fd with O_NOFOLLOW (see Workspace+Walk),
/// so user code that plants a symlink between two calls cannot make the host touch anything outside.
public struct Workspace: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Largest write and largest read (reads beyond it report `truncated`).
        public var maxFileBytes = 10 * 1024 * 1024
        /// Largest file `copy_file` will duplicate.
        public var maxCopyBytes = 100 * 1024 * 1024
        /// Most entries one `list_directory` returns (then `truncated`).
        public var maxListEntries = 10_000
        /// Deepest directory nesting walked by list and delete.
        public var maxDepth = 128
        /// Lines per side a `diff` accepts (this bounds its memory to some tens of MB: the lines, their ids and
        /// the edit script), and the work it may do (`LineDiff` steps: roughly one per line compared; 20 million
        /// is well under a second in a release build).
        public var maxDiffLines = 200_000
        public var maxDiffSteps = 20_000_000
        public init() {}
    }

    public enum WriteMode: String, Sendable, Equatable, CaseIterable {
        /// As in the seed: creates the file, overwriting an existing one.
        case create = "Create"
        case append = "Append"
        case overwrite = "Overwrite"
        public init?(caseInsensitive s: String) {
            guard let m = Self.allCases.first(where: { $0.rawValue.lowercased() == s.lowercased() }) else { return nil }
            self = m
        }
    }

    public enum Encoding: String, Sendable, Equatable {
        case utf8 = "utf-8"
        case base64
        public init?(caseInsensitive s: String) {
            switch s.lowercased() {
            case "utf-8", "utf8", "text": self = .utf8
            case "base64": self = .base64
            default: return nil
            }
        }
    }

    /// Host path of the directory.
    public let root: String
    /// Owner given to everything the host creates; nil leaves ownership alone (tests without root).
    public let uid: UInt32?
    public let gid: UInt32?
    public let limits: Limits

    public init(root: String, uid: UInt32? = nil, gid: UInt32? = nil, limits: Limits = Limits()) {
        self.root = root; self.uid = uid; self.gid = gid; self.limits = limits
    }

    /// Maps a client path inside the workspace (lexically; the operations do the symlink-safe walk).
    public func resolve(_ clientPath: String) throws(WorkspaceError) -> WorkspacePath {
        do throws(SandboxPathError) { return try WorkspacePath(clientPath) } catch { throw WorkspaceError(error) }
    }

    /// Creates the root directory itself (0700, owned by the session).
    public func createRoot() throws(WorkspaceError) {
        if mkdir(root, 0o700) != 0 && errno != EEXIST {
            throw WorkspaceError(.io, "Cannot create workspace: \(Sys.errorText())")
        }
        if let uid, let gid, chown(root, uid, gid) != 0 {
            throw WorkspaceError(.io, "Cannot give the workspace to uid \(uid): \(Sys.errorText())")
        }
    }

    // MARK: write / read / mkdir

    public struct WriteResult: Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var json: JSONValue { ["path": .string(path), "bytes": .int(bytes)] }
    }

    public func write(
        _ clientPath: String, content: String, mode: WriteMode = .create,
        encoding: Encoding = .utf8
    ) throws(WorkspaceError) -> WriteResult {
        let data: [UInt8]
        switch encoding {
        case .utf8: data = Array(content.utf8)
        case .base64:
            guard let d = Data(base64Encoded: content, options: .ignoreUnknownCharacters) else {
                throw WorkspaceError(.invalidInput, "content is not valid base64")
            }
            data = Array(d)
        }
        return try write(clientPath, bytes: data, mode: mode)
    }

    public func write(_ clientPath: String, bytes data: [UInt8], mode: WriteMode = .create) throws(WorkspaceError)
        -> WriteResult
    {
        let path = try resolve(clientPath)
        if path.isRoot { throw WorkspaceError(.notAFile, "Is a directory: \(path)") }
        if data.count > limits.maxFileBytes {
            throw WorkspaceError(
                .tooLarge, "Content is \(data.count) bytes; the limit is \(limits.maxFileBytes) bytes per write")
        }
        try store(data, at: path, mode: mode)
        return WriteResult(path: path.description, bytes: data.count)
    }

    /// Writes a whole file after the path checks. A failed write (a full quota) leaves no partial file:
    /// a new file is removed, an appended one cut back, and an existing one keeps its old content.
    func store(_ data: [UInt8], at path: WorkspacePath, mode: WriteMode) throws(WorkspaceError) {
        let parent = try openDirectory(path.parent, create: true)
        defer { close(parent) }
        let existed = Sys.lstat(parent, path.name) != nil
        let (fd, st) = try openFile(
            in: parent, at: path, flags: O_WRONLY | (mode == .append ? O_APPEND : 0), create: true)
        defer { close(fd) }
        if mode != .append && existed {
            // Checked by openFile; replaced whole through a temporary file and rename.
            try replaceAtomically(path, bytes: data)
        } else if !data.withUnsafeBytes({ Sys.writeAll(fd, $0) }) {
            let err = errno
            if existed { _ = ftruncate(fd, st.st_size) } else { unlinkat(parent, path.name, 0) }
            throw Self.writeError(path, err)
        }
    }

    static func writeError(_ path: WorkspacePath, _ err: Int32) -> WorkspaceError {
        if err == ENOSPC || err == EDQUOT {
            return WorkspaceError(.tooLarge, "Cannot write \(path): the workspace is full (its disk quota is used up)")
        }
        return WorkspaceError(.io, "Cannot write \(path): \(Sys.errorText(err))")
    }

    public struct ReadResult: Sendable, Equatable {
        public var path: String
        public var content: String
        /// Bytes returned (after the cap).
        public var bytes: Int
        public var encoding: Encoding
        /// The file is larger than the limit; `content` holds its first `bytes` bytes.
        public var truncated: Bool
        public var size: Int
        public var json: JSONValue {
            [
                "content": .string(content), "bytes": .int(bytes), "path": .string(path),
                "encoding": .string(encoding.rawValue),
                "truncated": .bool(truncated), "size": .int(size),
            ]
        }
    }

    public func read(_ clientPath: String, encoding: Encoding = .utf8) throws(WorkspaceError) -> ReadResult {
        let (bytes, truncated, size, path) = try readBytes(clientPath, limit: limits.maxFileBytes)
        let content: String
        switch encoding {
        case .utf8: content = String(decoding: bytes, as: UTF8.self)
        case .base64: content = Data(bytes).base64EncodedString()
        }
        return ReadResult(
            path: path.description, content: content, bytes: bytes.count, encoding: encoding,
            truncated: truncated, size: size)
    }

    /// Raw bytes of a file, at most `limit` of them.
    public func readBytes(_ clientPath: String, limit: Int) throws(WorkspaceError) -> (
        bytes: [UInt8], truncated: Bool, size: Int, path: WorkspacePath
    ) {
        let path = try resolve(clientPath)
        if path.isRoot { throw WorkspaceError(.notAFile, "Is a directory: \(path)") }
        let parent = try openDirectoryForLookup(path)
        defer { close(parent) }
        let (fd, st) = try openFile(in: parent, at: path, flags: O_RDONLY, create: false)
        defer { close(fd) }
        guard let (bytes, more) = Sys.read(fd, limit: limit, sizeHint: Int(st.st_size)) else {
            throw WorkspaceError(.io, "Cannot read \(path): \(Sys.errorText())")
        }
        return (bytes, more, max(Int(st.st_size), bytes.count), path)
    }

    /// The parent directory of `path`; a missing parent reads as "File not found: <path>".
    func openDirectoryForLookup(_ path: WorkspacePath) throws(WorkspaceError) -> Int32 {
        do throws(WorkspaceError) { return try openDirectory(path.parent, create: false) } catch {
            if error.kind == .notFound { throw WorkspaceError(.notFound, "File not found: \(path)") }
            throw error
        }
    }

    public struct MkdirResult: Sendable, Equatable {
        public var path: String
        public var created: Bool
        public var json: JSONValue { ["path": .string(path), "created": .bool(created)] }
    }

    /// mkdir -p.
    public func createDirectory(_ clientPath: String) throws(WorkspaceError) -> MkdirResult {
        let path = try resolve(clientPath)
        let existed: Bool
        if let fd = try? openDirectory(path, create: false) { close(fd); existed = true } else { existed = false }
        let fd = try openDirectory(path, create: true)
        close(fd)
        return MkdirResult(path: path.description, created: !existed)
    }
}
