/// Layer 1: checks code, paths, shell commands and package specs against the config before any driver
/// sees them. Pure and cheap (a few passes over the bytes); returns the first `Violation` or nil.
public struct InputValidator: Sendable {
    public let config: SecurityConfig
    private let patterns: BlockedPatterns
    private let extensions: Set<String>
    private let packageFlags: Set<String>

    public static let maxPathLength = 4096

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
            return Violation(Violation.Rule.codeLength, .validation, "code is \(length) bytes, the limit is \(config.maxCodeLength)")
        }
        return scan(Array(code.utf8))
    }

    /// A shell command and its arguments, checked as the command line they form.
    public func validateShell(command: String, args: [String]) -> Violation? {
        if command.isEmpty { return Violation(Violation.Rule.shellEmpty, .validation, "the command is empty") }
        var line = Array(command.utf8)
        for a in args { line.append(0x20); line.append(contentsOf: a.utf8) }
        if line.contains(0) { return Violation(Violation.Rule.shellNul, .validation, "the command or an argument contains a NUL byte") }
        if line.count > config.maxCodeLength {
            return Violation(Violation.Rule.shellTooLong, .validation, "the command line is \(line.count) bytes, the limit is \(config.maxCodeLength)")
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

    /// A pre-check of a workspace path; the driver still resolves it safely (no symlinks out, no escape).
    /// `checkExtension` is false for directories. With `sandboxRestrictFilesystem`, a relative path may not
    /// climb above its starting point (`../x`, `a/../../x`).
    public func validatePath(_ path: String, checkExtension: Bool = true) -> Violation? {
        let bytes = Array(path.utf8)
        if bytes.isEmpty { return Violation(Violation.Rule.pathEmpty, .validation, "the path is empty") }
        if bytes.contains(0) { return Violation(Violation.Rule.pathNul, .security, "the path contains a NUL byte") }
        if bytes.count > Self.maxPathLength {
            return Violation(Violation.Rule.pathTooLong, .validation, "the path is \(bytes.count) bytes, the limit is \(Self.maxPathLength)")
        }
        if config.sandboxRestrictFilesystem && Self.climbsAboveStart(bytes) {
            return Violation(Violation.Rule.pathTraversal, .security, "the path \"\(path)\" leaves the workspace")
        }
        if checkExtension && !extensions.isEmpty {
            let ext = Self.fileExtension(of: path)
            if !extensions.contains(ext) {
                let shown = ext.isEmpty ? "no extension" : "extension \"\(ext)\""
                return Violation(Violation.Rule.pathExtension, .validation, "\(shown) is not allowed (allowed: \(extensions.sorted().joined(separator: ", ")))")
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

    /// Lexically walks the components; true if `..` goes above the first one.
    static func climbsAboveStart(_ bytes: [UInt8]) -> Bool {
        var depth = 0
        for comp in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if comp.elementsEqual("..".utf8) {
                depth -= 1
                if depth < 0 { return true }
            } else if !comp.elementsEqual(".".utf8) {
                depth += 1
            }
        }
        return false
    }

    /// Package specs for `install_packages` and the install flags. See `PackageSpecRules`.
    public func validatePackages(manager: String, names: [String], flags: [String]) -> Violation? {
        if names.count > PackageSpecRules.maxPackages {
            return Violation(Violation.Rule.packageCount, .validation, "\(names.count) packages in one install, the limit is \(PackageSpecRules.maxPackages)")
        }
        for flag in flags {
            let name = flag.split(separator: "=", maxSplits: 1).first.map(String.init) ?? flag
            if !packageFlags.contains(flag) && !packageFlags.contains(name) || flag.utf8.contains(where: { $0 < 0x20 }) {
                return Violation(Violation.Rule.packageFlag, .security, "the flag \"\(InputLimits.preview(flag))\" is not allowed (allowed: \(packageFlags.sorted().joined(separator: " ")))")
            }
        }
        let rules = PackageSpecRules(manager: manager, allowURLs: config.allowPackageURLs)
        for n in names { if let v = rules.check(n) { return v } }
        return nil
    }
}
