/// One version of a runtime's runner files, in a directory of its own: `<base>/v-<hash of names and texts>/`.
/// Sandboxes bind the directory itself, so their runner reads its files while it starts. A shared
/// `<base>/` rewritten at every session open by whichever CodeBeaker build opened it (two builds on one host,
/// an upgrade while the old server still runs) could hand a starting runner another build's control.mjs next to
/// its own runner: an import error, deno exits, and the session's first execution failed with "the deno
/// runner failed to start (killed by signal 9)". A version's directory only ever receives that same content.
public enum VersionedFiles: Sendable {
    /// Writes `files` (name and text) into their version's directory under `base` (unchanged files are
    /// left alone) and returns that directory.
    public static func write(_ files: [(name: String, text: String)], under base: String) throws(DriverError) -> String
    {
        let dir = "\(base)/v-\(version(of: files))"
        for f in files { try SandboxFiles.write(f.text, to: "\(dir)/\(f.name)") }
        return dir
    }

    /// FNV-1a 64 over each name and text (length-prefixed, so no two lists collide by concatenation).
    static func version(of files: [(name: String, text: String)]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        for f in files {
            for part in [f.name, f.text] {
                let utf8 = Array(part.utf8)
                mix(String(utf8.count).utf8); mix([0])
                mix(utf8)
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
