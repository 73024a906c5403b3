import FoundationEssentials
import Glibc

/// Reads the `*.json` files of the manifest directories. `fingerprint` (paths, sizes, mtimes) is cheap, so the
/// driver polls it and reloads only when something changed (docs/runtimes.md, "New languages without a rebuild").
struct ManifestScanner: Sendable {
    var directories: [String]
    /// Files bigger than this are refused unread (a manifest is a few hundred bytes).
    static let maxFileBytes = 256 * 1024

    /// `*.json` files in directory order, then name order; a missing directory is simply empty.
    func files() -> [String] {
        var out: [String] = []
        for dir in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for n in names.sorted() where n.hasSuffix(".json") && !n.hasPrefix(".") { out.append(dir + "/" + n) }
        }
        return out
    }

    func fingerprint() -> String {
        files().map { p in
            var st = stat()
            guard stat(p, &st) == 0 else { return p + ":gone" }
            return "\(p):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_ino)"
        }.joined(separator: "\n")
    }

    /// Every manifest file with its text, or why it could not be read (shown as that language's error).
    func read() -> [ManifestSet.File] {
        files().map { p in
            var st = stat()
            if stat(p, &st) == 0, Int(st.st_size) > Self.maxFileBytes {
                return .init(path: p, text: .failure(.init(file: p, problem: "over \(Self.maxFileBytes) bytes")))
            }
            guard let data = FileManager.default.contents(atPath: p) else {
                return .init(path: p, text: .failure(.init(file: p, problem: "cannot read the file")))
            }
            return .init(path: p, text: .success(String(decoding: data, as: UTF8.self)))
        }
    }
}
