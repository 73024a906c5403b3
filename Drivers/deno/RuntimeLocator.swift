#if canImport(Glibc)
import Glibc
#endif

/// Finds the real deno executable: `CODEBEAKER_DENO`, then PATH (skipping pyenv's shell shims), then the pip
/// `deno` package's binary under pyenv versions.
enum RuntimeLocator {
    static func find(env: String, name: String, extraGlobs: [String]) -> String? {
        if let p = getenv(env).map({ String(cString: $0) }), !p.isEmpty { return isELF(p) ? p : nil }
        var candidates: [String] = []
        if let path = getenv("PATH").map({ String(cString: $0) }) {
            candidates += path.split(separator: ":").map { "\($0)/\(name)" }
        }
        for pattern in extraGlobs { candidates += glob(pattern) }
        return candidates.first { isELF($0) }
    }

    /// A real binary (not a shell/python shim that would need the host's interpreter inside the sandbox).
    static func isELF(_ path: String) -> Bool {
        guard access(path, X_OK) == 0 else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let n = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 4) }
        return n == 4 && magic == [0x7F, 0x45, 0x4C, 0x46]
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { i in g.gl_pathv[i].map { String(cString: $0) } }
    }
}
