import DriverProtocol

/// Runs the file commands on a session's workspace (the host does these itself, never the driver).
/// Workspace errors become `success:false` results with the error's client-safe message.
enum FileCommandRunner {
    static func run(_ command: SessionCommand, in ws: Workspace) -> (success: Bool, result: JSONValue, error: String?) {
        do throws(WorkspaceError) {
            switch command {
            case .writeFile(let path, let content, let mode, let encoding):
                return (true, try ws.write(path, content: content, mode: mode, encoding: encoding).json, nil)
            case .readFile(let path, let encoding):
                return (true, try ws.read(path, encoding: encoding).json, nil)
            case .createDirectory(let path):
                return (true, try ws.createDirectory(path).json, nil)
            case .copyFile(let source, let destination):
                return (true, try ws.copy(from: source, to: destination).json, nil)
            case .deleteFile(let path):
                return (true, try ws.delete(path).json, nil)
            case .listDirectory(let path, let recursive, let pattern, let maxDepth):
                return (true, try ws.list(path, recursive: recursive, pattern: pattern, maxDepth: maxDepth).json, nil)
            case .diff(let path, let content, let otherPath):
                return (true, try ws.diff(path, content: content, otherPath: otherPath).json, nil)
            case .applyPatch(let patch):
                return (true, try ws.applyPatch(patch).json, nil)
            case .shell, .executeCode, .installPackages:
                return (false, .null, "\(command.typeName) is not a file command")
            }
        } catch {
            return (false, .null, error.message)
        }
    }
}
