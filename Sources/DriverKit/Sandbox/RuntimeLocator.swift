#if canImport(Glibc)
    import Glibc
#endif

/// Finds a runtime's real executable: the override env var (e.g. `CODEBEAKER_DENO`), then PATH, then
/// `standardDirs` (where `scripts/setup.sh` puts or links them, found even when the host runs with a short
/// PATH), then `extraGlobs` (system locations of pip packages whose own scripts are Python entry points).
/// Only ELF files count: pyenv shims and pip entry points would need the host's interpreter inside the sandbox.
public enum RuntimeLocator: Sendable {
    public static let standardDirs = ["/usr/local/bin", "/usr/bin"]

    public static func find(
        env: String, name: String, extraGlobs: [String] = [],
        standardDirs: [String] = RuntimeLocator.standardDirs
    ) -> String? {
        if let p = getenv(env).map({ String(cString: $0) }), !p.isEmpty { return isELF(p) ? p : nil }
        var candidates: [String] = []
        if let path = getenv("PATH").map({ String(cString: $0) }) {
            candidates += path.split(separator: ":").map { "\($0)/\(name)" }
        }
        candidates += standardDirs.map { "\($0)/\(name)" }
        for pattern in extraGlobs { candidates += glob(pattern) }
        return candidates.first { isELF($0) }
    }

    /// A real binary (not a shell/python shim that would need the host's interpreter inside the sandbox).
    public static func isELF(_ path: String) -> Bool {
        guard access(path, X_OK) == 0 else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 4) }
        return n == 4 && magic == [0x7F, 0x45, 0x4C, 0x46]
    }

    public static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { i in g.gl_pathv[i].map { String(cString: $0) } }
    }
}
