/// Where session workspaces live. The host owns them (drivers only bind them into sandboxes), so a
/// workspace survives driver crashes and restarts.
public protocol WorkspaceStorage: Sendable {
    /// The per-session disk quota in MB when one is enforced, nil when workspaces are plain directories.
    var quotaMB: Int? { get }
    /// Creates the empty workspace, owned by the session's uid; `quotaMB` (at most the default) may tighten it.
    func provision(_ ws: Workspace, quotaMB: Int?) async throws(WorkspaceError)
    /// Deletes the workspace and everything in it.
    func release(_ ws: Workspace) async throws(WorkspaceError)
}

/// Plain directories under the workspace root: no disk quota (hosts without root or loop devices, or
/// `workspaceQuotaMB: 0`). RLIMIT_FSIZE in the sandboxes still caps each file.
/// Creating and deleting run on the file threads: deleting a workspace of many files (a node_modules) takes
/// seconds of blocking syscalls, which must not hold a thread of the Swift concurrency pool.
public struct DirectoryStorage: WorkspaceStorage {
    let files: FileWorkPool

    public init(files: FileWorkPool = .shared) { self.files = files }
    public var quotaMB: Int? { nil }

    public func provision(_ ws: Workspace, quotaMB: Int?) async throws(WorkspaceError) {
        try await files.runAlways { () -> Result<Void, WorkspaceError> in
            Result { () throws(WorkspaceError) in
                try WorkspaceRoot.makeDirectories(WorkspaceRoot.parent(of: ws.root))
                try ws.createRoot()
            }
        }.get()
    }

    public func release(_ ws: Workspace) async throws(WorkspaceError) {
        try await files.runAlways { () -> Result<Void, WorkspaceError> in
            Result { () throws(WorkspaceError) in try ws.removeAll() }
        }.get()
    }
}
