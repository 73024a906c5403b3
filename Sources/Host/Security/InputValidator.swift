import DriverProtocol

/// Layer 1: checks code, paths, shell commands and package specs against the config before any driver
/// sees them. Pure and cheap (a few passes over the bytes); returns the first `Violation` or nil.
public struct InputValidator: Sendable {
    public let config: SecurityConfig
    private let patterns: BlockedPatterns
    private let extensions: Set<String>
    private let packageFlags: Set<String>

    public static let maxPathLength = SandboxPath.maxLength
    public static let maxPackages = 100

    public init(config: SecurityConfig) {
        self.config = config
        self.patterns = BlockedPatterns(config.blockedCommandPatterns)
        self.extensions = Set(config.allowedFileExtensions.map(Self.normalizeExtension))
        self.packageFlags = Set(config.allowedPackageFlags)
    }

    /// ".PY", "py" and ".py" all mean ".py".
    public static func normalizeExtension(_ e: String) -> String {
        let lower = e.lowercased()
        return lower.hasPrefix(".") ? lower : "." + lower
    }

    /// Code for `execute_code`: length in UTF-8 bytes, blocked patterns, the fork-bomb shape.
    public func validateCode(_ code: String) -> Violation? {
        let length = code.utf8.count
        if length > config.maxCodeLength {
            return Violation(
                Violation.Rule.codeLength, .validation, "code is \(length) bytes, the limit is \(config.maxCodeLength)")
        }
        return scan(Array(code.utf8))
    }

    /// A shell command and its arguments, checked as the command line they form.
    public func validateShell(command: String, args: [String]) -> Violation? {
        if command.isEmpty { return Violation(Violation.Rule.shellEmpty, .validation, "the command is empty") }
        var line = Array(command.utf8)
        for a in args { line.append(0x20); line.append(contentsOf: a.utf8) }
        if line.contains(0) {
            return Violation(Violation.Rule.shellNul, .validation, "the command or an argument contains a NUL byte")
        }
        if line.count > config.maxCodeLength {
            return Violation(
                Violation.Rule.shellTooLong, .validation,
                "the command line is \(line.count) bytes, the limit is \(config.maxCodeLength)")
        }
        return scan(line)
    }

    private func scan(_ bytes: [UInt8]) -> Violation? {
        let normalized = BlockedPatterns.normalize(bytes)
        if ForkBombDetector.matches(normalized: normalized) {
            return Violation(Violation.Rule.forkBomb, .security, "a shell function that forks itself (fork bomb)")
        }
        if let p = patterns.firstMatch(inNormalized: normalized) {
            return Violation(Violation.Rule.blockedPattern, .security, "matches the blocked pattern \"\(p)\"")
        }
        return nil
    }

    /// A pre-check of a workspace path by the shared `SandboxPath` rules; the workspace applies them in full
    /// (and refuses symlinks), so only the audited rules are decided here. `checkExtension` is false for
    /// directories. With `sandboxRestrictFilesystem`, a path whose `..` climbs above /workspace (`../x`,
    /// `a/../../x`, `/workspace/../x`) is an audited traversal.
    public func validatePath(_ path: String, checkExtension: Bool = true) -> Violation? {
        do throws(SandboxPathError) { _ = try SandboxPath(path) } catch {
            switch error.reason {
            case .empty: return Violation(Violation.Rule.pathEmpty, .validation, "the path is empty")
            case .nul: return Violation(Violation.Rule.pathNul, .security, "the path contains a NUL byte")
            case .tooLong:
                return Violation(
                    Violation.Rule.pathTooLong, .validation,
                    "the path is \(path.utf8.count) bytes, the limit is \(SandboxPath.maxLength)")
            case .climbsAbove where config.sandboxRestrictFilesystem:
                return Violation(Violation.Rule.pathTraversal, .security, "the path \"\(path)\" leaves the workspace")
            default: break  // the workspace refuses it with its own message
            }
        }
        if checkExtension && !extensions.isEmpty {
            let ext = Self.fileExtension(of: path)
            if !extensions.contains(ext) {
                let shown = ext.isEmpty ? "no extension" : "extension \"\(ext)\""
                return Violation(
                    Violation.Rule.pathExtension, .validation,
                    "\(shown) is not allowed (allowed: \(extensions.sorted().joined(separator: ", ")))")
            }
        }
        return nil
    }

    /// The lower-cased extension with its dot, "" when the last component has none (".bashrc" has none).
    static func fileExtension(of path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[dot...].lowercased()
    }

    /// Package specs for `install_packages` (the shared `PackageSpec` grammar) and the install flags.
    public func validatePackages(manager: String, names: [String], flags: [String]) -> Violation? {
        if names.count > Self.maxPackages {
            return Violation(
                Violation.Rule.packageCount, .validation,
                "\(names.count) packages in one install, the limit is \(Self.maxPackages)")
        }
        for flag in flags {
            let name = flag.split(separator: "=", maxSplits: 1).first.map(String.init) ?? flag
            if !packageFlags.contains(flag) && !packageFlags.contains(name) || flag.utf8.contains(where: { $0 < 0x20 })
            {
                return Violation(
                    Violation.Rule.packageFlag, .security,
                    "the flag \"\(InputLimits.preview(flag))\" is not allowed (allowed: \(packageFlags.sorted().joined(separator: " ")))"
                )
            }
        }
        let style = PackageSpec.Style(manager: manager)
        for n in names {
            do throws(PackageSpecError) {
                _ = try PackageSpec(n, style: style, allowURLs: config.allowPackageURLs)
            } catch {
                return Self.violation(error)
            }
        }
        return nil
    }

    /// The audited rule for each grammar refusal.
    static func violation(_ e: PackageSpecError) -> Violation {
        let (rule, kind): (String, Violation.Kind)
        switch e.reason {
        case .empty: (rule, kind) = (Violation.Rule.packageEmpty, .validation)
        case .tooLong: (rule, kind) = (Violation.Rule.packageTooLong, .validation)
        case .controlCharacter, .metacharacter: (rule, kind) = (Violation.Rule.packageMetacharacter, .security)
        case .option: (rule, kind) = (Violation.Rule.packageOption, .security)
        case .url, .repositoryShorthand: (rule, kind) = (Violation.Rule.packageURL, .security)
        case .outsideWorkspace: (rule, kind) = (Violation.Rule.packageLocalPath, .security)
        case .whitespace, .pipName, .extras, .pipVersion, .npmScope, .npmName, .npmVersion, .unexpected:
            (rule, kind) = (Violation.Rule.packageInvalidName, .validation)
        }
        return Violation(rule, kind, e.message)
    }
}
