import DriverProtocol

/// Vets the dependency specs in a project's package.json by the same rules as `packages`: npm and bun
/// install everything listed there (on `install_packages` with no packages, and beside any `add`), so a
/// URL, git, repository or out-of-workspace `file:`/`link:` spec written in it would otherwise bypass
/// `PackageSpec`. Version ranges, dist-tags, `npm:` aliases to registry names and `workspace:` refs pass.
public enum PackageJSONDependencies: Sendable {
    public static let maxBytes = 1 << 20
    static let sections = [
        "dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "overrides", "resolutions",
    ]

    public static func vet(_ text: String, file: String = "/workspace/package.json", policy: PackagePolicy = .current)
        throws(DriverError)
    {
        let root: JSONValue
        do { root = try JSONParser.parse(Array(text.utf8)) } catch {
            throw .invalidParams("\(file): not valid JSON, so its dependencies cannot be checked")
        }
        guard let o = root.object else { throw .invalidParams("\(file): expected a JSON object") }
        for section in sections {
            guard let v = o[section] else { continue }
            try walk(v, path: section, file: file, policy: policy)
        }
    }

    private static func walk(_ v: JSONValue, path: String, file: String, policy: PackagePolicy) throws(DriverError) {
        if let o = v.object {
            for (k, item) in o { try walk(item, path: path + "." + k, file: file, policy: policy) }
        } else if let s = v.string, let problem = problem(s, policy: policy) {
            throw .invalidParams("\(file): \(path) \"\(s.prefix(80))\" \(problem)")
        }
    }

    static let outside = "points outside the workspace; local packages must be relative paths under /workspace"

    /// Why a dependency spec may not be installed, or nil.
    public static func problem(_ spec: String, policy: PackagePolicy) -> String? {
        let s = String(spec.trimmingSpaces)
        let lower = s.lowercased()
        if lower.hasPrefix("npm:") {  // an alias: `npm:name@range`, the target must be a registry name
            let target = String(s.dropFirst(4))
            let name =
                target.hasPrefix("@")
                ? "@" + target.dropFirst().prefix { $0 != "@" } : String(target.prefix { $0 != "@" })
            let range = String(target.dropFirst(name.count).drop { $0 == "@" })
            do throws(DriverError) { _ = try PackageSpec(name, style: .npm, policy: policy) } catch {
                return "aliases something that is not a registry package"
            }
            return problem(range, policy: policy)
        }
        if lower.hasPrefix("workspace:") || lower.hasPrefix("catalog:") { return nil }
        for local in ["file:", "link:"] where lower.hasPrefix(local) {
            return PackageSpec.localPackagePath(String(s.dropFirst(local.count))) == nil ? Self.outside : nil
        }
        // A path (`~1.2` is a tilde range, `~/x` a path).
        if s == "." || s == ".." || ["./", "../", "/", "~/"].contains(where: { s.hasPrefix($0) }) {
            return PackageSpec.localPackagePath(s) == nil ? Self.outside : nil
        }
        let urlish =
            PackageSpec.urlMarkers.contains { lower.contains($0) }
            || (s.contains("/") && !s.hasPrefix("@"))  // `user/repo` repository shorthand
        if urlish && !policy.allowURLs { return "installs from a URL or repository, which this server does not allow" }
        return nil
    }
}
