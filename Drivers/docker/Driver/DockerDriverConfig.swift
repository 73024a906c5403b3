#if canImport(Glibc)
    import Glibc
#endif

/// Settings from the environment (the host passes its config through env when it starts the driver).
struct DockerDriverConfig: Sendable {
    /// `DOCKER_HOST`.
    var dockerHost: String?
    /// `CODEBEAKER_DOCKER_POOL`: warm containers kept per default image (0 disables the pool).
    var poolSize: Int = 2
    /// `CODEBEAKER_DOCKER_POOL_IMAGES`: comma-separated images to keep warm (default: the built-in ones present).
    var poolImages: [String]? = nil
    /// `CODEBEAKER_DOCKER_INSTANCE`: label value separating hosts that share one engine
    /// (default `<hostname>-<host pid>`, see HostInstance).
    var instance: String = HostInstance.defaultName()
    /// `CODEBEAKER_DOCKER_SLOTS`: where pool workspace slots live (see WorkspaceSlots).
    var slotRoot: String = WorkspaceSlots.defaultRoot
    /// `CODEBEAKER_DOCKER_RUNNER`: host path of the static cb-runner bound into containers (local engines).
    var runnerHostPath: String? = nil
    /// `CODEBEAKER_DOCKER_ADOPT_GRACE_MS`: how long containers of a previous run wait to be re-adopted before removal.
    var adoptGraceMs: Int = 30_000
    /// Pool containers' limits (sessions asking for others get `update`d).
    var defaultMemoryMB = 512
    var defaultCpuShares = 1024
    var defaultPidsLimit = 256
    /// `CODEBEAKER_DOCKER_ORPHAN_SWEEP_MS`: how often containers nobody owns are looked for.
    var orphanSweepMs = 30_000
    /// `CODEBEAKER_DOCKER_FORKSERVER=0` disables the Python fork server.
    var forkServer = true
    /// uid:gid for runs when the host sends none (the images' `sandbox` user).
    var defaultUid = 1000
    var defaultGid = 1000

    static let runnerSearchPath = ["/var/cache/codebeaker/cb-runner", "/usr/local/lib/codebeaker/cb-runner"]

    static func fromEnvironment() -> DockerDriverConfig {
        var c = DockerDriverConfig()
        c.dockerHost = env("DOCKER_HOST")
        if let s = env("CODEBEAKER_DOCKER_POOL"), let n = Int(s), n >= 0 { c.poolSize = min(n, 32) }
        if let s = env("CODEBEAKER_DOCKER_POOL_IMAGES") {
            c.poolImages = s.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        }
        if let s = env("CODEBEAKER_DOCKER_INSTANCE"), !s.isEmpty { c.instance = s }
        if let s = env("CODEBEAKER_DOCKER_SLOTS"), s.hasPrefix("/") { c.slotRoot = s }
        if let s = env("CODEBEAKER_DOCKER_ADOPT_GRACE_MS"), let n = Int(s), n >= 0 { c.adoptGraceMs = n }
        if env("CODEBEAKER_DOCKER_FORKSERVER") == "0" { c.forkServer = false }
        if let s = env("CODEBEAKER_DOCKER_ORPHAN_SWEEP_MS"), let n = Int(s), n >= 100 { c.orphanSweepMs = n }
        let candidates = (env("CODEBEAKER_DOCKER_RUNNER").map { [$0] } ?? []) + runnerSearchPath
        c.runnerHostPath = candidates.first { access($0, X_OK) == 0 }
        return c
    }

    static func env(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
