import DriverKit
import DriverProtocol
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `install` (install_packages): pip into /workspace/.venv (python image) or npm into /workspace/node_modules
/// (node image), run in a short-lived **sibling container**: same image, same workspace bind, the session's
/// uid and limits, no Docker network but the driver's index proxy on its loopback (`startEgress`). Its only
/// process is the installer; it is removed afterwards.
/// The session's own container never gets a network, so user code never shares the install's network window.
/// Names and options go through the shared validators (`PipInstaller.plan`, `NpmOptions`, `PackageSpec`).
extension DockerRuntime {
    static let npmCli = "/usr/share/nodejs/npm/bin/npm-cli.js"

    func install(_ request: InstallRequest, events: EventSink) async throws -> InstallReply {
        try await installOutcome(request, events: events)
    }

    /// `pip install x` / `python3 -m pip install x` / `npm install x` sent as `execute_shell` (the seed's own
    /// example): run as an install, since the session's container has no network; nil for any other command,
    /// and on a remote engine (installs need a local one), where the command runs as it is.
    func shellInstall(_ request: ShellRequest) throws -> InstallRequest? {
        guard engine.endpoint.isLocal else { return nil }
        switch try session(request.session).language?.name {
        case "python": return try PipInstaller(policy: PackagePolicy.current).shellInstall(request)
        case "javascript": return try NpmInstaller(tool: .npm, policy: PackagePolicy.current).shellInstall(request)
        default: return nil
        }
    }

    /// A shell install's result is a shell result: the installer's run, its output also streamed.
    func runShellInstall(_ install: InstallRequest, events: EventSink) async throws -> RunResult {
        let outcome = try await installOutcome(install, events: events)
        if events.streaming {
            events.output(.stdout, outcome.run.stdout)
            events.output(.stderr, outcome.run.stderr)
        }
        return outcome.run
    }

    func installOutcome(_ request: InstallRequest, events: EventSink) async throws -> InstallOutcome {
        let s = try session(request.session)
        guard engine.endpoint.isLocal else {
            throw DriverError.unsupported(
                "install_packages needs a local Docker engine (the install container binds the session workspace)")
        }
        let manager = try Self.manager(for: s, requested: request.manager)
        guard installing.withLock({ $0.insert(s.id).inserted }) else {
            throw DriverError.invalidParams("an install is already running in session \(s.id); wait for it to finish")
        }
        defer { installing.withLock { _ = $0.remove(s.id) } }
        let started = MonotonicClock.nowMs()
        let policy = PackagePolicy.current
        let argv: [String], script: (String, String)
        var extra: JSONObject
        /// pip only: the same install offline from the host's shared wheel cache, tried first when it holds a
        /// wheel for every spec (pip would otherwise download what the cache has).
        var fromCache: [String]?
        switch manager {
        case "pip":
            let flags = try PipOptions(request.flags)
            var requirements: (specs: [String], options: PipOptions)? = nil
            var reqFile = request.requirementsFile
            if reqFile == nil && request.packages.isEmpty { reqFile = SandboxPath.mountPoint + "/requirements.txt" }
            if let reqFile { requirements = try await readRequirements(reqFile, session: s, policy: policy) }
            let pip = PipInstaller(policy: policy)
            let plan = try pip.plan(specs: request.packages, requirements: requirements, flags: flags)
            try await checkFindLinksAreDirectories(plan.options.findLinks, session: s)
            // The shared boot script: the system interpreter (-I) runs Debian's pip as if inside the venv, with
            // nothing under the user-writable venv importable while the installer has network.
            let boot = ["/usr/bin/python3", "-I", DockerInstallScripts.pipPath, PipInstaller.venv]
            argv = boot + Self.withoutSharedCache(pip.installArguments(plan, offline: false))
            let fresh = plan.options.upgrade || plan.options.forceReinstall
            if !fresh && PackageCache.hasWheels(for: plan.specs) {
                fromCache = boot + pip.installArguments(plan, offline: true)
            }
            script = (DockerInstallScripts.pipPath, PipBootScript.text)
            extra = ["venv": .string(PipInstaller.venv), "cache": "bypassed"]
        default:
            if request.requirementsFile != nil {
                throw DriverError.invalidParams(
                    "requirementsFile: npm reads /workspace/package.json; call install_packages with no packages to install its dependencies"
                )
            }
            var options = try NpmOptions(request.flags)
            options.global = options.global || request.global
            let npm = NpmInstaller(tool: .npm, policy: policy)
            let specs = try npm.vetted(request.packages)
            if !options.global { try await vetPackageJSON(session: s, policy: policy) }
            var a = npm.arguments(specs: specs, options: options)
            a[1] = Self.npmCli  // Debian's npm; a[0] (node) is the wrapper's own process.execPath
            let root =
                options.global
                ? NpmInstaller.globalPrefix + "/lib/node_modules" : SandboxPath.mountPoint + "/node_modules"
            argv = ["/usr/bin/node", DockerInstallScripts.npmPath, root] + a.dropFirst()
            script = (DockerInstallScripts.npmPath, DockerInstallScripts.npm)
            extra = [
                "global": .bool(options.global),
                "prefix": .string(options.global ? NpmInstaller.globalPrefix : SandboxPath.mountPoint),
            ]
        }
        let progress = ProgressLines(events: events, enabled: request.stream, hiddenPrefix: DockerInstallScripts.marker)
        func remaining() -> Int { max(1000, request.timeoutMs - Int(MonotonicClock.nowMs() - started)) }
        var r: RunResult
        if let fromCache {
            let cache = ContainerSpec.Bind(source: PackageCache.pipWheels, target: PackageCache.pipSandboxPath)
            r = try await runInstaller(
                s, argv: fromCache, script: script, timeoutMs: remaining(), progress: progress,
                binds: [cache], network: false)
            // never "hit": that would tell what another tenant installed
            extra["cache"] = r.succeeded ? "shared" : "miss"
            if !(r.succeeded || r.cancelled || r.timedOut) {  // a dependency not cached: from the index after all
                r = try await runInstaller(s, argv: argv, script: script, timeoutMs: remaining(), progress: progress)
            }
        } else {
            r = try await runInstaller(s, argv: argv, script: script, timeoutMs: remaining(), progress: progress)
        }
        let (stdout, installed) = Self.extractInstalled(r.stdout)
        r.stdout = stdout
        r.durationMs = Int(MonotonicClock.nowMs() - started)
        if r.reason == nil, let code = r.exitCode, code != 0 { r.reason = "\(manager) exited with status \(code)" }
        var out = extra
        out["container"] = "sibling"
        return InstallOutcome(run: r, installed: installed, manager: manager, extra: out)
    }

    /// The session's image decides: python images have pip, node images npm (the host sends its first
    /// manager when the client named none, so a mismatching alias follows the session).
    static func manager(for s: DockerSession, requested: String) throws(DriverError) -> String {
        let known = ["pip", "pip3", "python", "python3", "npm", "node", "nodejs", "javascript"]
        guard known.contains(requested.lowercased()) else {
            throw .unsupported(
                "package manager \"\(requested.prefix(40))\" is not available in Docker sessions (pip, npm)")
        }
        switch s.language?.name {
        case "python": return "pip"
        case "javascript": return "npm"
        default:
            throw .unsupported(
                "install_packages in Docker sessions works for python and javascript sessions (this one: \(s.language?.name ?? "custom image"))"
            )
        }
    }

    /// The online install does not bind the shared cache (pip would download what it has anyway): its
    /// `--find-links` argument goes.
    static func withoutSharedCache(_ args: [String]) -> [String] {
        var out: [String] = [], i = 0
        while i < args.count {
            if args[i] == "--find-links", i + 1 < args.count, args[i + 1] == PackageCache.pipSandboxPath {
                i += 2; continue
            }
            out.append(args[i]); i += 1
        }
        return out
    }

    /// Creates the sibling container, runs `argv` as the session uid, removes the container.
    func runInstaller(
        _ s: DockerSession, argv: [String], script: (String, String), timeoutMs: Int,
        progress: ProgressLines, binds: [ContainerSpec.Bind] = [], network: Bool = true
    ) async throws -> RunResult {
        // Keeps the orphan sweep away while the install container exists (it belongs to no session or pool).
        opensStarted.wrappingAdd(1, ordering: .relaxed)
        openingCount.wrappingAdd(1, ordering: .relaxed)
        defer { openingCount.wrappingSubtract(1, ordering: .relaxed) }
        let o = s.options
        // No Docker network at all: the index is reached only through the driver's allowlisting proxy, which
        // listens on the container's own loopback (see `startEgress`).
        let plan = ContainerFactory.Plan(
            image: s.container.image, memoryMB: o.memoryLimitMB, cpuShares: o.cpuShares,
            pidsLimit: o.pidsLimit, network: false, workspace: .direct(hostPath: s.workspace),
            labels: [ContainerLabels.installer: s.id], name: nil, slot: nil,
            tmpMB: min(max(o.memoryLimitMB, 64), 1024),  // pip and npm unpack in /tmp
            readOnlyBinds: binds)
        let c = try await offPool { [factory] in try factory.create(plan) }
        let egress: InstallEgress?
        do {
            egress =
                network
                ? try await offPool { [self] in try startEgress(c, manager: argv.contains(Self.npmCli) ? "npm" : "pip")
                } : nil
        } catch {
            _ = try? await offPool { [factory] in factory.destroy(c) }
            throw error
        }
        defer { egress?.stop() }
        var env = [
            "HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1",
        ]
        // The registry from the environment outranks a project .npmrc (as for the native drivers).
        if let registry = PackageIndexes.npmRegistry { env["npm_config_registry"] = registry }
        for (k, v) in egress?.env ?? [:] { env[k] = v }
        // The image's CA bundle is frozen at build time; the Docker host's is the operator's current trust
        // (e.g. a TLS-inspecting proxy's CA). Written into the container's private /tmp by a first run.
        if let ca = try? await offPool({ Self.hostCABundle() }), !ca.isEmpty {
            // cb-runner removes a run's file when the run ends: copy it to where the installer reads it.
            let write = runSpec(
                s, argv: ["/bin/cp", Self.caPath + ".in", Self.caPath], cwd: "/tmp", env: [:], stdin: nil,
                timeoutMs: 10_000, maxOutput: 4096, file: (Self.caPath + ".in", ca))
            if (await c.channel.run(write)).exit?.exitCode == 0 {
                for k in ["PIP_CERT", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"] { env[k] = Self.caPath }
            }
        }
        var spec = runSpec(
            s, argv: argv, cwd: SandboxPath.mountPoint, env: env, stdin: nil, timeoutMs: timeoutMs,
            maxOutput: 4 << 20, file: (script.0, Array(script.1.utf8)))
        spec.env = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let begun = MonotonicClock.nowMs()
        let outcome = await c.channel.run(
            spec,
            onOutput: { isErr, bytes in
                progress.feed(isErr ? .stderr : .stdout, String(decoding: bytes, as: UTF8.self))
            })
        _ = try? await offPool { [factory] in factory.destroy(c) }
        var result = RunOutcomeMapper.result(
            outcome, timeoutMs: timeoutMs, durationMs: Int(MonotonicClock.nowMs() - begun),
            oomKilled: outcome.exit?.oomKilled ?? false, memoryMB: o.memoryLimitMB)
        if let refused = egress?.proxy.refused, !refused.isEmpty, !result.succeeded {
            result.stderr +=
                "\ncodebeaker: refused egress to \(refused.joined(separator: ", ")): installs reach only the configured package index\n"
        }
        return result
    }

    /// The install container's network: its own namespace (NetworkMode none, loopback only), where the
    /// driver (root, local engine) listens with an `EgressProxy` to the configured index, as for native installs.
    func startEgress(_ c: LiveContainer, manager: String) throws -> InstallEgress {
        guard let pid = try engine.inspectContainer(c.id)?["State"]?["Pid"]?.int, pid > 0 else {
            throw DriverError.unavailable(
                "install: cannot find the install container's process to give it the index proxy")
        }
        let ns = try NetworkNamespace.open(path: "/proc/\(pid)/ns/net")
        return try InstallEgress.start(in: ns, allowed: manager == "npm" ? PackageIndexes.npm : PackageIndexes.pip)
    }

    static let caPath = "/tmp/cb-ca-bundle.pem"

    /// The host's CA bundle (Debian's path), or nothing.
    static func hostCABundle() -> [UInt8] {
        guard let fd = Optional(open("/etc/ssl/certs/ca-certificates.crt", O_RDONLY | O_CLOEXEC)), fd >= 0 else {
            return []
        }
        defer { close(fd) }
        var out: [UInt8] = [], buf = [UInt8](repeating: 0, count: 65536)
        while out.count < 8 << 20 {
            let n = buf.withUnsafeMutableBytes { p in Syscall.retrying { read(fd, p.baseAddress, p.count) } }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    /// Reads a requirements file in the session's container (as the session uid, offline), so a symlink in
    /// the workspace cannot make the driver read a host file; parsed by the shared `RequirementsFile`.
    func readRequirements(_ file: String, session s: DockerSession, policy: PackagePolicy) async throws -> (
        specs: [String], options: PipOptions
    ) {
        guard let path = SandboxPath.inside(file) else {
            throw DriverError.invalidParams("requirementsFile: \"\(file.prefix(60))\" must be a path under /workspace")
        }
        let spec = runSpec(
            s, argv: ["/bin/cat", "--", path], cwd: SandboxPath.mountPoint, env: [:], stdin: nil,
            timeoutMs: 10_000, maxOutput: RequirementsFile.maxBytes + 1, file: nil)
        let r = try await run(s, spec, timeoutMs: 10_000, events: .discard())
        guard r.succeeded else {
            throw DriverError.invalidParams(
                "requirementsFile: cannot read \(path): \(r.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(r.exitCode ?? -1)")"
            )
        }
        guard !r.stdoutTruncated else {
            throw DriverError.invalidParams(
                "requirementsFile: \(path) is larger than \(RequirementsFile.maxBytes) bytes")
        }
        return try RequirementsFile.parse(r.stdout, file: path, policy: policy)
    }

    /// Splits the wrapper's result line off the installer's output.
    static func extractInstalled(_ stdout: String) -> (String, [InstallOutcome.Installed]) {
        var kept: [Substring] = [], installed: [InstallOutcome.Installed] = []
        for line in stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix(DockerInstallScripts.marker) else { kept.append(line); continue }
            if kept.last?.isEmpty == true { kept.removeLast() }
            let json = line.dropFirst(DockerInstallScripts.marker.count).drop { $0 == " " }
            if let v = try? JSONParser.parse(Array(json.utf8)), let items = v.array {
                for i in items {
                    if let p = i.array, p.count == 2, let n = p[0].string, let ver = p[1].string {
                        installed.append(.init(name: n, version: ver))
                    }
                }
            }
        }
        return (kept.joined(separator: "\n"), installed)
    }
}
