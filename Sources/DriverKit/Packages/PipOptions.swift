import DriverProtocol

/// The pip flags an install request may carry (request `flags`, or the options of a shell `pip install`),
/// each mapped to what the installer does. Anything else is refused: options such as `--index-url`,
/// `--extra-index-url`, `--trusted-host`, `-e` or `--target` change where code comes from or goes to.
public struct PipOptions: Sendable, Equatable {
    public var upgrade = false
    public var noDeps = false
    public var pre = false
    public var noIndex = false
    public var forceReinstall = false
    public var quiet = 0
    public var verbose = 0
    /// `--find-links` directories or files, in-sandbox paths under /workspace.
    public var findLinks: [String] = []
    /// `-r` files (shell form), in-sandbox paths under /workspace.
    public var requirementFiles: [String] = []
    /// Specs that came mixed with the flags (shell form).
    public var specs: [String] = []

    public init() {}

    public static let allowed = [
        "--upgrade", "-U", "--no-deps", "--pre", "--no-index", "--force-reinstall",
        "--find-links=DIR", "-f DIR", "--no-cache-dir", "-q", "--quiet", "-v", "--verbose",
        "--no-input", "--disable-pip-version-check", "--no-color", "--progress-bar=off",
    ]

    /// Parses `args`. With `allowSpecs` (a shell's argv) non-option words are specs and `-r FILE` is accepted.
    public init(_ args: [String], allowSpecs: Bool = false) throws(DriverError) {
        var i = 0
        func value(_ flag: String, _ inline: String?) throws(DriverError) -> String {
            if let inline { return inline }
            i += 1
            guard i < args.count else { throw .invalidParams("flags: \(flag) needs a value") }
            return args[i]
        }
        func workspacePath(_ flag: String, _ v: String) throws(DriverError) -> String {
            guard let p = SandboxPath.inside(v.hasPrefix("file://") ? String(v.dropFirst(7)) : v) else {
                throw .invalidParams("flags: \(flag) \"\(v.prefix(60))\" must be a path under /workspace")
            }
            return p
        }
        while i < args.count {
            let a = args[i]
            let (flag, inline): (String, String?) =
                a.hasPrefix("--") && a.contains("=")
                ? (String(a.prefix(while: { $0 != "=" })), String(a.drop(while: { $0 != "=" }).dropFirst())) : (a, nil)
            switch flag {
            case "--upgrade", "-U": upgrade = true
            case "--no-deps": noDeps = true
            case "--pre": pre = true
            case "--no-index": noIndex = true
            case "--force-reinstall": forceReinstall = true
            case "-q", "--quiet": quiet += 1
            case "-qq": quiet += 2
            case "-v", "--verbose": verbose += 1
            // always so / meaningless here
            case "--no-cache-dir", "--no-input", "--disable-pip-version-check", "--no-color", "--user": break
            case "--progress-bar": _ = try value(flag, inline)
            case "--find-links", "-f": findLinks.append(try workspacePath(flag, try value(flag, inline)))
            case "-r" where allowSpecs, "--requirement" where allowSpecs:
                requirementFiles.append(try workspacePath(flag, try value(flag, inline)))
            default:
                if allowSpecs && !a.hasPrefix("-") {
                    specs.append(a)
                } else {
                    throw .invalidParams(
                        "flags: \"\(a.prefix(60))\" is not an allowed pip option (allowed: \(Self.allowed.joined(separator: " ")))"
                    )
                }
            }
            i += 1
        }
    }

    /// The options as pip argv (after `install`), paths inside the sandbox.
    public var installArguments: [String] {
        var a: [String] = []
        if upgrade { a.append("--upgrade") }
        if noDeps { a.append("--no-deps") }
        if pre { a.append("--pre") }
        if forceReinstall { a.append("--force-reinstall") }
        if quiet > 0 { a.append("-" + String(repeating: "q", count: min(quiet, 3))) }
        if verbose > 0 { a.append("-" + String(repeating: "v", count: min(verbose, 3))) }
        for f in findLinks { a += ["--find-links", f] }
        return a
    }
}
