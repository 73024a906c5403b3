/// A client path mapped inside a workspace, lexically: no file system access happens here.
///
/// Accepted: `/workspace`, `/workspace/a/b`, `a/b`, `./a/../b`. Rejected: NUL bytes, any other absolute
/// path (`/etc/passwd`, `/workspace2/x`), and `..` that would climb above the workspace root.
/// Percent-encoding is not decoded (`%2e%2e` is a literal file name). `..` is resolved lexically, which is
/// only sound because the file operations refuse every symlink on the way (see `Workspace`).
public struct WorkspacePath: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The mount point clients see.
    public static let mountPoint = "/workspace"

    /// Path components below the root; empty means the root itself.
    public var components: [String]

    public init(components: [String]) { self.components = components }

    public init(_ clientPath: String) throws(WorkspaceError) {
        if clientPath.isEmpty { throw WorkspaceError(.invalidPath, "Invalid path: path is empty") }
        if clientPath.utf8.contains(0) { throw WorkspaceError(.invalidPath, "Invalid path: contains a NUL byte") }
        var rest = Substring(clientPath)
        if rest.hasPrefix("/") {
            let mount = Self.mountPoint
            guard rest == mount || rest.hasPrefix(mount + "/") else {
                throw WorkspaceError(.outsideWorkspace,
                                     "Path outside the workspace: \(clientPath) (absolute paths must be under \(mount))")
            }
            rest = rest.dropFirst(mount.count)
        }
        var out: [String] = []
        for part in rest.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if out.isEmpty {
                    throw WorkspaceError(.outsideWorkspace, "Path outside the workspace: \(clientPath) (.. climbs above /workspace)")
                }
                out.removeLast()
            default:
                if part.utf8.count > 255 { throw WorkspaceError(.invalidPath, "Invalid path: a component of \(clientPath) is longer than 255 bytes") }
                out.append(String(part))
            }
        }
        components = out
    }

    public var isRoot: Bool { components.isEmpty }
    public var name: String { components.last ?? "" }
    public var parent: WorkspacePath { WorkspacePath(components: Array(components.dropLast())) }
    public func appending(_ name: String) -> WorkspacePath { WorkspacePath(components: components + [name]) }

    /// What the client sees: `/workspace/a/b`.
    public var description: String { components.isEmpty ? Self.mountPoint : Self.mountPoint + "/" + components.joined(separator: "/") }
    /// Relative to the root: `a/b` (empty for the root).
    public var relative: String { components.joined(separator: "/") }
}
