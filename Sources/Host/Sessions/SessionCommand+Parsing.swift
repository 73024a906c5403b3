public import DriverProtocol

extension SessionCommand {
    /// Parses `params.command`. Unknown type, missing or wrong-typed fields → -32602 naming the field
    /// (`command.path`, `command.type`, ...).
    public init(json: JSONValue?) throws(RPCError) {
        guard let json, json != .null else { throw RPCError.invalidParams("command", "is required") }
        guard case .object = json else {
            throw RPCError.invalidParams("command", "must be an object, got \(json.typeName)")
        }
        let f = Fields(json)
        let type = try f.string("type")
        switch type.lowercased() {
        case "write_file", "writefile":
            let mode =
                try f.optString("mode").map { (m: String) throws(RPCError) -> Workspace.WriteMode in
                    guard let mode = Workspace.WriteMode(caseInsensitive: m) else {
                        throw RPCError.invalidParams(
                            "command.mode", "must be Create, Append or Overwrite, got \"\(m)\"")
                    }
                    return mode
                } ?? .create
            self = .writeFile(
                path: try f.string("path"), content: try f.string("content"), mode: mode, encoding: try f.encoding())
        case "read_file", "readfile":
            self = .readFile(path: try f.string("path"), encoding: try f.encoding())
        case "create_directory", "create_dir", "mkdir":
            self = .createDirectory(path: try f.string("path"))
        case "copy_file", "copyfile":
            let source = try f.optString("sourcePath", "source")
            let dest = try f.optString("destinationPath", "destination")
            guard let source else {
                throw RPCError.invalidParams("command.sourcePath", "is required (or command.source)")
            }
            guard let dest else {
                throw RPCError.invalidParams("command.destinationPath", "is required (or command.destination)")
            }
            self = .copyFile(source: source, destination: dest)
        case "delete_file", "delete", "delete_directory":
            self = .deleteFile(path: try f.string("path"))
        case "list_directory", "list_files", "list_dir":
            let depth = try f.optInt("maxDepth", "max_depth")
            if let depth, depth < 1 { throw RPCError.invalidParams("command.maxDepth", "must be at least 1") }
            self = .listDirectory(
                path: try f.optString("path") ?? WorkspacePath.mountPoint,
                recursive: try f.optBool("recursive") ?? false,
                pattern: try f.optString("pattern"), maxDepth: depth)
        case "execute_shell", "shell":
            let name = try f.optString("commandName", "command")
            guard let name else {
                throw RPCError.invalidParams("command.commandName", "is required (or command.command)")
            }
            if name.isEmpty { throw RPCError.invalidParams("command.commandName", "must not be empty") }
            self = .shell(
                Shell(
                    command: name, args: try f.stringArray("args") ?? [],
                    workingDirectory: try f.optString("workingDirectory", "cwd"),
                    env: try f.env(), timeout: try f.timeout(), stdin: try f.optString("stdin")))
        case "execute_code", "execute":
            self = .executeCode(
                Code(
                    code: try f.string("code"), timeout: try f.timeout(), stdin: try f.optString("stdin"),
                    env: try f.env(), language: try f.optName("language")))
        case "install_packages", "install":
            let given = try f.stringArray("packages")
            let req = try f.optString("requirementsFile", "requirements_file")
            // `packages: []` installs the project's own dependencies (package.json, requirements.txt).
            if given == nil && req == nil {
                throw RPCError.invalidParams(
                    "command.packages",
                    "is required (an array; [] installs the workspace's package.json or requirements.txt; or command.requirementsFile)"
                )
            }
            let packages = given ?? []
            self = .installPackages(
                Install(
                    packages: packages, requirementsFile: req, global: try f.optBool("global") ?? false,
                    flags: try f.stringArray("flags") ?? [],
                    manager: try f.optName("manager", "packageManager")))
        case "diff":
            let content = try f.optString("content"), other = try f.optString("otherPath", "other_path")
            if content == nil && other == nil {
                throw RPCError.invalidParams("command.content", "is required (or command.otherPath)")
            }
            self = .diff(path: try f.string("path"), content: content, otherPath: other)
        case "apply_patch", "patch":
            guard let patch = try f.optString("patch", "diff") else {
                throw RPCError.invalidParams("command.patch", "is required")
            }
            self = .applyPatch(patch: patch)
        default:
            throw RPCError.invalidParams(
                "command.type", "is unknown: \"\(type)\" (expected one of \(Self.knownTypes.joined(separator: ", ")))")
        }
    }

    public static let knownTypes = [
        "write_file", "read_file", "create_directory", "create_dir", "copy_file", "delete_file", "list_directory",
        "list_files", "execute_shell", "shell", "execute_code", "execute", "install_packages", "diff", "apply_patch",
    ]
}

/// Typed field access on a command object, with errors that name `command.<field>`.
struct Fields {
    let json: JSONValue
    /// Prepended to field names in errors: `command.` for commands, empty for top-level params.
    let prefix: String
    init(_ json: JSONValue, prefix: String = "command.") { self.json = json; self.prefix = prefix }

    func value(_ key: String) -> JSONValue? {
        guard let v = json[key], v != .null else { return nil }
        return v
    }

    func string(_ key: String) throws(RPCError) -> String {
        guard let s = try optString(key) else { throw RPCError.invalidParams("\(prefix)\(key)", "is required") }
        return s
    }

    /// The first of `keys` present (alternative spellings).
    func optString(_ key: String, _ alternative: String) throws(RPCError) -> String? {
        if let s = try optString(key) { return s }
        return try optString(alternative)
    }

    func optInt(_ key: String, _ alternative: String) throws(RPCError) -> Int? {
        if let i = try optInt(key) { return i }
        return try optInt(alternative)
    }

    func optString(_ key: String) throws(RPCError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else {
            throw RPCError.invalidParams("\(prefix)\(key)", "must be a string, got \(v.typeName)")
        }
        return s
    }

    /// A short name (language, package manager): `InputLimits.name`.
    func optName(_ key: String, _ alternative: String? = nil) throws(RPCError) -> String? {
        var k = key
        var found = try optString(key)
        if found == nil, let a = alternative { k = a; found = try optString(a) }
        guard let v = found else { return nil }
        try InputLimits.name(v, field: "\(prefix)\(k)")
        return v
    }

    /// An id the server issued (sessionId, executionId): bounded, no control characters.
    func id(_ key: String) throws(RPCError) -> String {
        let v = try string(key)
        try InputLimits.id(v, field: "\(prefix)\(key)")
        return v
    }

    func optBool(_ key: String) throws(RPCError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else {
            throw RPCError.invalidParams("\(prefix)\(key)", "must be a boolean, got \(v.typeName)")
        }
        return b
    }

    func optInt(_ key: String) throws(RPCError) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.int else {
            throw RPCError.invalidParams("\(prefix)\(key)", "must be an integer, got \(v.typeName)")
        }
        return i
    }

    func stringArray(_ key: String) throws(RPCError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard let a = v.array else {
            throw RPCError.invalidParams("\(prefix)\(key)", "must be an array of strings, got \(v.typeName)")
        }
        var out: [String] = []
        for (i, item) in a.enumerated() {
            guard let s = item.string else {
                throw RPCError.invalidParams("\(prefix)\(key)[\(i)]", "must be a string, got \(item.typeName)")
            }
            out.append(s)
        }
        return out
    }

    func env() throws(RPCError) -> [String: String] {
        guard let v = value("env") else { return [:] }
        guard let o = v.object else {
            throw RPCError.invalidParams("\(prefix)env", "must be an object of strings, got \(v.typeName)")
        }
        var out: [String: String] = [:]
        for (k, item) in o {
            guard let s = item.string else {
                throw RPCError.invalidParams("\(prefix)env.\(k)", "must be a string, got \(item.typeName)")
            }
            out[k] = s
        }
        try InputLimits.env(out, field: "\(prefix)env")
        return out
    }

    /// Seconds, > 0. The manager clamps against the server maximum.
    func timeout() throws(RPCError) -> Double? {
        guard let v = value("timeout") else { return nil }
        guard let d = v.double else {
            throw RPCError.invalidParams("\(prefix)timeout", "must be a number of seconds, got \(v.typeName)")
        }
        guard d > 0 else { throw RPCError.invalidParams("\(prefix)timeout", "must be greater than 0 seconds") }
        return d
    }

    func encoding() throws(RPCError) -> Workspace.Encoding {
        guard let s = try optString("encoding") else { return .utf8 }
        guard let e = Workspace.Encoding(caseInsensitive: s) else {
            throw RPCError.invalidParams("\(prefix)encoding", "must be \"utf-8\" or \"base64\", got \"\(s)\"")
        }
        return e
    }
}
