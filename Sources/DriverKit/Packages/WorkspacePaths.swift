/// In-sandbox paths under /workspace, checked lexically (the path is only ever used inside the sandbox,
/// where nothing but the workspace, /tmp and read-only system files exist).
public enum WorkspacePaths {
    public static let root = "/workspace"

    /// `path` (absolute, or relative to /workspace) as an absolute in-sandbox path, or nil when it leaves
    /// the workspace (`..`, another absolute root, `~`).
    public static func inside(_ path: String) -> String? {
        guard !path.isEmpty, !path.hasPrefix("~"), !path.utf8.contains(where: { $0 < 0x20 }) else { return nil }
        var rest = Substring(path)
        if path.hasPrefix("/") {
            guard path == root || path.hasPrefix(root + "/") else { return nil }
            rest = rest.dropFirst(root.count)
        }
        var parts: [Substring] = []
        for p in rest.split(separator: "/") where p != "." {
            if p == ".." { return nil }
            parts.append(p)
        }
        return parts.isEmpty ? root : root + "/" + parts.joined(separator: "/")
    }
}
