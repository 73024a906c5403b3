import DriverProtocol

/// One `session.execute` command, parsed from either spelling (the seeds' docs or the .NET code's):
/// `execute_code`/`execute`, `execute_shell`/`shell`, `create_directory`/`create_dir`,
/// `list_directory`/`list_files`, `copy_file` with `sourcePath`/`destinationPath` or `source`/`destination`.
public enum SessionCommand: Sendable, Equatable {
    case writeFile(path: String, content: String, mode: Workspace.WriteMode, encoding: Workspace.Encoding)
    case readFile(path: String, encoding: Workspace.Encoding)
    case createDirectory(path: String)
    case copyFile(source: String, destination: String)
    case deleteFile(path: String)
    case listDirectory(path: String, recursive: Bool, pattern: String?, maxDepth: Int?)
    case shell(Shell)
    case executeCode(Code)
    case installPackages(Install)
    case diff(path: String, content: String?, otherPath: String?)
    case applyPatch(patch: String)

    public struct Shell: Sendable, Equatable {
        /// argv[0], looked up on the sandbox's PATH; never a shell string.
        public var command: String
        public var args: [String]
        public var workingDirectory: String?
        public var env: [String: String]
        /// Seconds; nil means the server default.
        public var timeout: Double?
        public var stdin: String?
        public init(
            command: String, args: [String] = [], workingDirectory: String? = nil, env: [String: String] = [:],
            timeout: Double? = nil, stdin: String? = nil
        ) {
            self.command = command; self.args = args; self.workingDirectory = workingDirectory; self.env = env
            self.timeout = timeout; self.stdin = stdin
        }
    }

    public struct Code: Sendable, Equatable {
        public var code: String
        public var timeout: Double?
        public var stdin: String?
        public var env: [String: String]
        /// Overrides the session's language (e.g. typescript in a deno session); nil uses the session's.
        public var language: String?
        public init(
            code: String, timeout: Double? = nil, stdin: String? = nil, env: [String: String] = [:],
            language: String? = nil
        ) {
            self.code = code; self.timeout = timeout; self.stdin = stdin; self.env = env; self.language = language
        }
    }

    public struct Install: Sendable, Equatable {
        public var packages: [String]
        public var requirementsFile: String?
        public var global: Bool
        public var flags: [String]
        /// Package manager override (pip, npm, bun); nil lets the driver pick its first.
        public var manager: String?
        public init(
            packages: [String], requirementsFile: String? = nil, global: Bool = false, flags: [String] = [],
            manager: String? = nil
        ) {
            self.packages = packages; self.requirementsFile = requirementsFile; self.global = global;
            self.flags = flags; self.manager = manager
        }
    }

    /// The canonical (docs) spelling, used in logs, audit and metrics.
    public var typeName: String {
        switch self {
        case .writeFile: "write_file"
        case .readFile: "read_file"
        case .createDirectory: "create_directory"
        case .copyFile: "copy_file"
        case .deleteFile: "delete_file"
        case .listDirectory: "list_directory"
        case .shell: "execute_shell"
        case .executeCode: "execute_code"
        case .installPackages: "install_packages"
        case .diff: "diff"
        case .applyPatch: "apply_patch"
        }
    }

    /// File commands are done by the host on the workspace; the rest go to the driver.
    public var isFileCommand: Bool {
        switch self {
        case .shell, .executeCode, .installPackages: false
        default: true
        }
    }

    /// Every client path the command touches (for the security layer's checks).
    public var paths: [String] {
        switch self {
        case .writeFile(let p, _, _, _), .readFile(let p, _), .createDirectory(let p), .deleteFile(let p): [p]
        case .listDirectory(let p, _, _, _): [p]
        case .copyFile(let s, let d): [s, d]
        case .diff(let p, _, let o): [p] + (o.map { [$0] } ?? [])
        case .shell(let s): s.workingDirectory.map { [$0] } ?? []
        case .installPackages(let i): i.requirementsFile.map { [$0] } ?? []
        case .executeCode, .applyPatch: []
        }
    }
}
