/// The npm / bun flags an install may carry; anything else (`--registry`, `--prefix`, `--global-style`,
/// `--script-shell`, ...) is refused.
public struct NpmOptions: Sendable, Equatable {
    /// Vetted flags, passed through to the installer unchanged.
    public var passThrough: [String] = []
    public var global = false
    /// Specs that came mixed with the flags (shell form).
    public var specs: [String] = []

    public static let allowed: [String: String?] = [
        "--save-dev": "--save-dev", "-D": "--save-dev", "--save-exact": "--save-exact", "-E": "--save-exact",
        "--save-optional": "--save-optional", "-O": "--save-optional", "--no-save": "--no-save",
        "--save-prod": "--save-prod", "-P": "--save-prod", "--legacy-peer-deps": "--legacy-peer-deps",
        "--prefer-offline": "--prefer-offline", "--offline": "--offline", "--omit=dev": "--omit=dev",
        "--no-package-lock": "--no-package-lock", "--production": "--omit=dev", "--silent": "--silent",
        "--no-audit": nil, "--no-fund": nil, "--save": nil, "--no-cache-dir": nil, "--dev": "--save-dev",
        "--exact": "--save-exact", "--frozen-lockfile": "--frozen-lockfile",
    ]

    public init() {}

    public init(_ args: [String], allowSpecs: Bool = false) throws(DriverError) {
        for a in args {
            if a == "-g" || a == "--global" { global = true; continue }
            if let mapped = Self.allowed[a] {
                if let m = mapped, !passThrough.contains(m) { passThrough.append(m) }
                continue
            }
            if allowSpecs && !a.hasPrefix("-") { specs.append(a); continue }
            throw .invalidParams(
                "flags: \"\(a.prefix(60))\" is not an allowed npm option (allowed: \(Self.allowed.keys.sorted().joined(separator: " ")) -g)"
            )
        }
    }
}
