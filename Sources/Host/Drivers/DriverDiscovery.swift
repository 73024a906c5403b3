import FoundationEssentials
import Glibc

/// Finds installed drivers: executables named `codebeaker-driver-<name>` in the drivers directories, searched
/// in order; the first one found for a name wins. Nothing is executed here.
public struct DriverDiscovery: Sendable {
    public struct Found: Sendable, Equatable {
        public var name: String
        public var path: String
    }

    public static let prefix = "codebeaker-driver-"
    public static let systemDirectory = "/usr/local/lib/codebeaker/drivers"

    public var directories: [String]
    let logger: Logger

    /// Empty `directories` means the defaults: the running binary's directory (so `swift build` output is found
    /// with no extra step), then the system directory.
    public init(directories: [String] = [], logger: Logger = Logger("drivers")) {
        self.directories = directories.isEmpty ? Self.defaultDirectories() : directories
        self.logger = logger
    }

    public static func defaultDirectories() -> [String] {
        var dirs: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dirs.append(String(exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)]))
        }
        dirs.append(systemDirectory)
        return dirs
    }

    /// A valid driver name: letters, digits, `_` and `-` (no dots, so build by-products are skipped).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
                    || b == 0x2D
            }
    }

    public func discover() -> [Found] {
        var found: [String: Found] = [:]
        for dir in directories {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
                logger.debug("drivers directory not readable, skipped", ["dir": dir])
                continue
            }
            for entry in entries.sorted() where entry.hasPrefix(Self.prefix) {
                let name = String(entry.dropFirst(Self.prefix.count))
                guard Self.isValidName(name), found[name] == nil else { continue }
                let path = dir.hasSuffix("/") ? dir + entry : dir + "/" + entry
                var st = stat()
                guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                guard access(path, X_OK) == 0 else {
                    logger.warning("skipping driver that is not executable", ["path": path])
                    continue
                }
                found[name] = Found(name: name, path: path)
            }
        }
        return found.values.sorted { $0.name < $1.name }
    }
}
