import DriverProtocol
import FoundationEssentials
import Glibc
import Synchronization

/// Where installers may connect: the package indexes this host is configured with, found the way each
/// installer finds them (never a host name written in this code):
/// - pip: `PIP_INDEX_URL` / `PIP_EXTRA_INDEX_URL` from the driver's environment, else pip's own default
///   index and its file host, asked from the system pip once;
/// - npm / bun: `npm_config_registry` from the driver's environment, else npm's built-in default
///   (`npm config get registry` with no config files), asked once;
/// - plus `CODEBEAKER_PACKAGES_EGRESS_HOSTS` (`host[:port],...`, port 443 if none) for mirrors and CDNs.
public enum PackageIndexes: Sendable {
    public static let extraHostsVariable = "CODEBEAKER_PACKAGES_EGRESS_HOSTS"
    private static let cache = Mutex<[String: [String]]>([:])

    /// HTTPS hosts for pip installs and fetches.
    public static var pip: Set<EgressProxy.Target> {
        var urls =
            env("PIP_INDEX_URL").map { [$0] }
            ?? ask(
                "pip",
                [
                    PipInstallerPaths.python, "-I", "-c",
                    "from pip._internal.models.index import PyPI\nprint(PyPI.url)\nprint('https://' + PyPI.file_storage_domain + '/')",
                ])
        if let extra = env("PIP_EXTRA_INDEX_URL") { urls += extra.split(separator: " ").map(String.init) }
        return targets(urls)
    }

    /// The registry URL npm and bun are forced to use (their environment outranks project config).
    public static var npmRegistry: String? {
        env("npm_config_registry") ?? env("NPM_CONFIG_REGISTRY")
            ?? ask(
                "npm",
                [
                    "/usr/bin/node", "/usr/lib/node_modules/npm/bin/npm-cli.js", "config", "get", "registry",
                    "--userconfig=/dev/null", "--globalconfig=/dev/null",
                ]
            ).first
    }

    public static var npm: Set<EgressProxy.Target> { targets(npmRegistry.map { [$0] } ?? []) }

    static func env(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(String(cString: v).trimmingSpaces)
        return s.isEmpty ? nil : s
    }

    /// `https://host[:port]/...` URLs and the operator's extra hosts as proxy targets.
    static func targets(_ urls: [String]) -> Set<EgressProxy.Target> {
        var out = Set<EgressProxy.Target>()
        for u in urls {
            guard let r = u.firstRange(of: "://") else { continue }
            let scheme = u[..<r.lowerBound].lowercased()
            let hostPart: Substring = u[r.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let authority: String = hostPart.split(separator: "@").last.map { String($0) } ?? ""
            let def = scheme == "http" ? 80 : 443
            if let t = EgressProxy.parse(authority.contains(":") ? authority : "\(authority):\(def)") { out.insert(t) }
        }
        for h in (env(extraHostsVariable) ?? "").split(separator: ",") {
            let s = String(h.trimmingSpaces)
            if s.isEmpty { continue }
            if let t = EgressProxy.parse(s.contains(":") ? s : s + ":443") { out.insert(t) }
        }
        return out
    }

    /// Lines printed by a trusted host command (run once per driver, as root, no workspace involved).
    static func ask(_ key: String, _ argv: [String]) -> [String] {
        if let v = cache.withLock({ $0[key] }) { return v }
        guard access(argv[0], X_OK) == 0 else { return [] }
        var spec = ProcessSpec(
            executable: argv[0], arguments: argv, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"],
            cwd: "/")
        spec.timeoutMs = 20_000
        spec.maxOutputBytes = 4096
        guard case .success(let r) = ProcessRunner.runBlocking(spec), r.succeeded else { return [] }
        let lines = r.stdout.split(separator: "\n").map { String($0.trimmingSpaces) }.filter { $0.contains("://") }
        cache.withLock { $0[key] = lines }
        return lines
    }
}

/// The interpreter the pip installer runs (kept here so this file does not depend on the installer type).
enum PipInstallerPaths { static let python = "/usr/bin/python3" }
