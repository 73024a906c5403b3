public import DriverProtocol

/// A client path mapped inside a workspace: the shared in-sandbox path type (`SandboxPath` in DriverProtocol
/// holds the rules for `..`, `~`, NUL, control characters and lengths). File operations open each component
/// with `O_NOFOLLOW`, which is what makes its lexical `..` resolution sound.
public typealias WorkspacePath = SandboxPath

extension WorkspaceError {
    /// A refused path as a workspace error, with the path rule's own message.
    public init(_ e: SandboxPathError) { self.init(e.leavesWorkspace ? .outsideWorkspace : .invalidPath, e.message) }
}
