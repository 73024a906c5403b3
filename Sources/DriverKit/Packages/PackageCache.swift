import DriverProtocol
import FoundationEssentials
import Glibc

/// The wheel cache shared by every session of every pip-capable driver on this host.
///
/// Threat: a cache any session can write lets one tenant plant a wheel another tenant installs. So:
/// - `wheels/` is owned by root, mode 0755, and bound READ-ONLY into install sandboxes (`--find-links`).
/// - It is filled only by `fetch`: a sandboxed `pip download --only-binary=:all:` (no package code runs)
///   running as the dedicated cache uid, with network, whose only input is vetted index specs (never a
///   user flag, URL, path or requirements file), writing into a fresh staging directory. The driver then
///   moves the regular `*.whl` files it finds there into `wheels/` (never replacing an existing file).
/// - Files come from the package index, which checks their hashes on download; a file name is never
///   reused by the index, so a cached file name means the same bytes the index serves.
public enum PackageCache: Sendable {
    public static var root: String {
        getenv("CODEBEAKER_PACKAGE_CACHE").map { String(cString: $0) } ?? SandboxFiles.root + "/pkgcache"
    }
    public static var pipWheels: String { root + "/pip/wheels" }
    public static var pipStaging: String { root + "/pip/staging" }
    /// Installed trees: `trees/<key>/` is a venv layout the cache uid installed offline from `wheels/` for
    /// one set of specs, which a later session copies instead of running pip (the ≥5× second install).
    public static var pipTrees: String { root + "/pip/trees" }
    public static let treeSandboxPath = "/opt/codebeaker-packages/tree"
    /// Where install sandboxes see the wheels.
    public static let pipSandboxPath = "/opt/codebeaker-packages/cache/pip"
    /// The cache filler's identity: below the host's session uid range (100000...), never a session's.
    public static var uid: Int {
        getenv("CODEBEAKER_PACKAGE_CACHE_UID").flatMap { Int(String(cString: $0)) } ?? 99_999
    }

    /// Creates the directories (idempotent) and, once per driver process, removes staging directories
    /// left by drivers that died mid-fetch.
    public static func prepare() throws(DriverError) {
        try SandboxFiles.makeDirectory(pipWheels)
        try SandboxFiles.makeDirectory(pipStaging)
        try SandboxFiles.makeDirectory(pipTrees)
        chmod(pipStaging, 0o711)
        _ = staleSweep
    }

    private static let staleSweep: Void = {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: pipStaging)) ?? [] {
            guard let pid = Int32(name.prefix { $0 != "-" }), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else {
                continue
            }
            try? FileManager.default.removeItem(atPath: pipStaging + "/" + name)
        }
    }()

    /// A fresh staging directory owned by the cache uid, removed by `publish`.
    public static func makeStaging() throws(DriverError) -> String {
        try prepare()
        let dir = pipStaging + "/\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard mkdir(dir, 0o700) == 0 else { throw .internal("mkdir \(dir): \(String(cString: strerror(errno)))") }
        _ = chown(dir, uid_t(uid), gid_t(uid))
        return dir
    }

    /// Moves the wheels a fetch left in `staging` into the shared cache; returns their file names.
    @discardableResult
    public static func publish(staging: String) -> [String] {
        defer { try? FileManager.default.removeItem(atPath: staging) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: staging) else { return [] }
        var moved: [String] = []
        for name in names.sorted() where isWheelFileName(name) {
            let src = staging + "/" + name, dst = pipWheels + "/" + name
            var st = stat()
            guard lstat(src, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink == 1 else { continue }
            if access(dst, F_OK) == 0 { continue }
            _ = chown(src, 0, 0)
            _ = chmod(src, 0o644)
            if rename(src, dst) == 0 { moved.append(name) }
        }
        return moved
    }

    /// The tree for `key` if one was published.
    public static func tree(_ key: String) -> String? {
        let dir = pipTrees + "/" + key
        var st = stat()
        return lstat(dir, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR ? dir : nil
    }

    /// Moves the venv a tree build left at `staging/.venv` to `trees/<key>` (first one wins), then removes staging.
    public static func publishTree(staging: String, key: String) {
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let src = staging + "/.venv"
        var st = stat()
        guard lstat(src, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, tree(key) == nil else { return }
        _ = rename(src, pipTrees + "/" + key)
    }

    /// A stable file-name key for a set of specs and the options that change the resolution (FNV-1a 64).
    public static func treeKey(specs: [String], pre: Bool, noDeps: Bool, python: String = "3.11") -> String {
        let text =
            "py\(python)|pre=\(pre)|nodeps=\(noDeps)|" + specs.map { $0.lowercased() }.sorted().joined(separator: "\n")
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `name-version(-build)?-py-abi-platform.whl` with only the characters wheel names use.
    public static func isWheelFileName(_ name: String) -> Bool {
        name.hasSuffix(".whl") && name.count < 256 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { PackageSpec.isAlnum($0) || "._-+!".utf8.contains($0) }
            && name.split(separator: "-").count >= 5
    }

    /// True when the cache holds a wheel for every spec: the exact version for `name==X` pins, any version
    /// otherwise. A cheap pre-check that decides whether a fetch can be skipped.
    public static func hasWheels(for specs: [String]) -> Bool {
        guard !specs.isEmpty, let files = try? FileManager.default.contentsOfDirectory(atPath: pipWheels) else {
            return false
        }
        var present: [String: Set<String>] = [:]
        for f in files where isWheelFileName(f) {
            let parts = f.split(separator: "-")
            present[PackageSpec.wheelName(String(parts[0])), default: []].insert(String(parts[1]))
        }
        return specs.allSatisfy { spec in
            let base = spec.split(separator: ";").first.map(String.init) ?? spec
            let (name, pin) = pinned(base)
            guard let versions = present[PackageSpec.wheelName(name)] else { return false }
            return pin.map { versions.contains($0) } ?? true
        }
    }

    /// `name[extras]==version` → (name, version); other specs → (name, nil).
    static func pinned(_ spec: String) -> (String, String?) {
        let name = String(spec.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        guard let r = spec.firstRange(of: "=="), !spec.contains(","), !spec.contains("*") else { return (name, nil) }
        return (name, String(spec[r.upperBound...]))
    }
}
