/// Where manifests are read from (docs/runtimes.md, "Directories"): `CODEBEAKER_RUNTIMES_DIRS` (colon-separated)
/// when set, else the shipped directory next to the install (or the repo's `runtimes/` for a `swift build`
/// tree), then `/etc/codebeaker/runtimes.d`. Later directories override earlier ones by language name.
enum ManifestDirectories {
    static let environmentKey = "CODEBEAKER_RUNTIMES_DIRS"
    static let etcDirectory = "/etc/codebeaker/runtimes.d"
    static let installedDirectory = "/usr/local/share/codebeaker/runtimes"

    static func resolve(executable: String?, environment: [String: String]) -> [String] {
        if let raw = environment[environmentKey] {
            return raw.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        return [shipped(executable: executable), etcDirectory]
    }

    /// `<repo>/.build/<triple>/debug/codebeaker-driver-runtimes` -> `<repo>/runtimes`;
    /// `<prefix>/lib/codebeaker/drivers/...` -> `<prefix>/share/codebeaker/runtimes`.
    static func shipped(executable: String?) -> String {
        guard let exe = executable else { return installedDirectory }
        if let r = exe.firstRange(of: "/.build/") { return String(exe[..<r.lowerBound]) + "/runtimes" }
        if let r = exe.firstRange(of: "/lib/codebeaker/drivers/") {
            return String(exe[..<r.lowerBound]) + "/share/codebeaker/runtimes"
        }
        return installedDirectory
    }
}
