import FoundationEssentials
import Glibc

/// Finds installed drivers: executables named `codebeaker-driver-<name>` in the search path's directories,
/// searched in order; the first one found for a name wins and shadows the later ones. Nothing is executed here.
public struct DriverDiscovery: Sendable {
    public struct Found: Sendable, Equatable {
        public var name: String
        public var path: String
        /// The directory it came from, and the same-named drivers of later directories it hides.
        public var directory: String
        public var shadows: [String]

        public init(name: String, path: String, directory: String? = nil, shadows: [String] = []) {
            self.name = name
            self.path = path
            self.directory = directory ?? String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            self.shadows = shadows
        }
    }

    /// One searched directory and what came of it: how many drivers it gave, or why it could not be read.
    public struct Searched: Sendable, Equatable {
        public var entry: DriverSearchPath.Entry
        public var drivers: Int
        public var problem: String?
    }

    public struct Report: Sendable, Equatable {
        public var drivers: [Found]
        public var directories: [Searched]
        public var includesDefaults: Bool
    }

    public static let prefix = "codebeaker-driver-"
    public static let systemDirectory = DriverSearchPath.systemDirectory

    public let searchPath: DriverSearchPath
    let logger: Logger

    public init(searchPath: DriverSearchPath, logger: Logger = Logger("drivers")) {
        self.searchPath = searchPath
        self.logger = logger
    }

    /// Configured directories searched before the defaults (unless `includeDefaults` is false).
    public init(directories: [String], includeDefaults: Bool = true, logger: Logger = Logger("drivers")) {
        self.init(
            searchPath: DriverSearchPath(configured: directories, includeDefaults: includeDefaults), logger: logger)
    }

    public var directories: [String] { searchPath.entries.map(\.path) }

    public static func defaultDirectories() -> [String] { DriverSearchPath.defaultEntries().map(\.path) }

    /// A valid driver name: letters, digits, `_` and `-` (no dots, so build by-products are skipped).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
                    || b == 0x2D
            }
    }

    public func discover() -> [Found] { report().drivers }

    /// Scans every directory and logs what an operator must know: a configured directory that is missing or
    /// unreadable (warning), a driver shadowing another (info, both paths), the defaults switched off (info).
    public func report() -> Report {
        var found: [String: Found] = [:]
        var searched: [Searched] = []
        if !searchPath.includesDefaults {
            logger.info("default drivers directories not searched (--no-default-drivers)")
        }
        for entry in searchPath.entries {
            let dir = entry.path
            if let problem = Self.problem(with: dir) {
                searched.append(Searched(entry: entry, drivers: 0, problem: problem))
                // A missing system directory is normal on a machine that runs from a build directory.
                let fields = ["dir": dir, "problem": problem, "origin": entry.origin.rawValue]
                if entry.origin == .configured {
                    logger.warning("drivers directory skipped", fields)
                } else {
                    logger.debug("drivers directory skipped", fields)
                }
                continue
            }
            var count = 0
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for file in entries.sorted() where file.hasPrefix(Self.prefix) {
                let name = String(file.dropFirst(Self.prefix.count))
                let path = dir.hasSuffix("/") ? dir + file : dir + "/" + file
                guard Self.isValidName(name), Self.isExecutableFile(path, logger: logger) else { continue }
                count += 1
                if found[name] != nil {
                    found[name]?.shadows.append(path)
                    logger.info(
                        "driver shadows another of the same name",
                        ["name": name, "used": found[name]!.path, "shadowed": path])
                } else {
                    found[name] = Found(name: name, path: path, directory: dir)
                }
            }
            searched.append(Searched(entry: entry, drivers: count, problem: nil))
        }
        return Report(
            drivers: found.values.sorted { $0.name < $1.name }, directories: searched,
            includesDefaults: searchPath.includesDefaults)
    }

    /// Why `dir` cannot be searched, or nil when it can.
    static func problem(with dir: String) -> String? {
        var st = stat()
        guard stat(dir, &st) == 0 else { return "not found (\(String(cString: strerror(errno))))" }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return "not a directory" }
        guard let d = opendir(dir) else { return "not readable (\(String(cString: strerror(errno))))" }
        closedir(d)
        return nil
    }

    static func isExecutableFile(_ path: String, logger: Logger) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        guard access(path, X_OK) == 0 else {
            logger.warning("skipping driver that is not executable", ["path": path])
            return false
        }
        return true
    }
}
