#if canImport(Glibc)
    import Glibc
#endif

/// The mount table of this process's mount namespace, from /proc/self/mountinfo.
public struct MountTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var mountPoint: String
        public var source: String
        public var fsType: String
        /// Optional fields such as "shared:12" or "master:3".
        public var tags: [String]
        public var isShared: Bool { tags.contains { $0.hasPrefix("shared:") } }
    }

    public var entries: [Entry]

    /// Parses mountinfo text: `id parent major:minor root mountpoint options [tags…] - fstype source superopts`.
    public init(parsing text: String) {
        entries = text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 7, let dash = f[6...].firstIndex(of: "-"), f.count > dash + 2 else { return nil }
            return Entry(
                mountPoint: Self.unescape(f[4]), source: Self.unescape(f[dash + 2]), fsType: f[dash + 1],
                tags: Array(f[6..<dash]))
        }
    }

    /// The current table (empty if /proc is not mounted).
    public static func current() -> MountTable { MountTable(parsing: FD.readText("/proc/self/mountinfo")) }

    public func contains(_ mountPoint: String) -> Bool { entries.contains { $0.mountPoint == mountPoint } }

    public func entry(at mountPoint: String) -> Entry? { entries.last { $0.mountPoint == mountPoint } }

    /// Mount points strictly below `directory`, deepest first (the order to unmount them in).
    public func mountPoints(below directory: String) -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let found = Set(entries.map(\.mountPoint).filter { $0.hasPrefix(prefix) })
        return found.sorted { $0.count > $1.count }
    }

    /// mountinfo writes space, tab, newline and backslash as \ooo octal.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 4 <= b.count,
                let v = UInt8(String(decoding: b[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8)
            {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
