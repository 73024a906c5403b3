import FoundationEssentials
import Glibc

/// The directories searched for drivers, in order. Configured directories (`--drivers-dir`, `driversDirs`,
/// `CODEBEAKER_DRIVERS_DIR`) come first and ADD to the defaults, so a stray flag never hides the built-in
/// drivers, and a driver placed there shadows a default one of the same name. `--no-default-drivers` (or
/// `defaultDriversDirs: false`) leaves only the configured ones.
public struct DriverSearchPath: Sendable, Equatable {
    public enum Origin: String, Sendable, Equatable {
        case configured
        case besideBinary = "default: beside the binary"
        case system = "default: system"
        case packages = "default: packages"
    }

    public struct Entry: Sendable, Equatable {
        public var path: String
        public var origin: Origin
        public init(path: String, origin: Origin) { self.path = path; self.origin = origin }
    }

    public var entries: [Entry]
    /// False when the operator turned the defaults off (said in the log and in `drivers list`).
    public var includesDefaults: Bool

    public static let systemDirectory = "/usr/local/lib/codebeaker/drivers"
    /// Where the Debian packages put drivers (scripts/package.sh); after the local one, so a driver installed
    /// by hand in /usr/local shadows the packaged one.
    public static let packagesDirectory = "/usr/lib/codebeaker/drivers"

    /// `defaults` is injectable for tests; nil means the binary's directory, then the system directory.
    public init(configured: [String], includeDefaults: Bool = true, defaults: [Entry]? = nil) {
        includesDefaults = includeDefaults
        let all =
            configured.map { Entry(path: $0, origin: .configured) }
            + (includeDefaults ? defaults ?? Self.defaultEntries() : [])
        // The same directory named twice (e.g. `.build/debug` and the real path it links to) is searched once,
        // at its first place, so it never "shadows" itself.
        var seen = Set<String>()
        entries = all.filter { seen.insert(Self.canonical($0.path)).inserted }
    }

    public static func defaultEntries() -> [Entry] {
        var dirs: [Entry] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dirs.append(Entry(path: String(exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)]), origin: .besideBinary))
        }
        dirs.append(Entry(path: systemDirectory, origin: .system))
        dirs.append(Entry(path: packagesDirectory, origin: .packages))
        return dirs
    }

    /// The resolved path when it exists (symlinks followed), else the path without trailing slashes.
    static func canonical(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
