/// Why a workspace operation failed. `message` names the client's path (never the host path) and is safe
/// to show a client; it becomes the `error` of a `success:false` result.
public struct WorkspaceError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case invalidPath, outsideWorkspace, symlink, notFound, notAFile, notADirectory, alreadyExists
        case tooLarge, tooDeep, io, patchFailed, invalidInput
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}
