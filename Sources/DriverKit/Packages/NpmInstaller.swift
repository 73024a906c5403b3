public import DriverProtocol

/// npm (node driver) and bun (bun driver): packages go into /workspace/node_modules (package.json and the
/// lockfile are npm's/bun's own business); `global:true` goes into the session-private prefix
/// /workspace/.global, never the host's. Lifecycle scripts are not run (they would be package code with
/// network) unless `PackagePolicy.allowSourceBuilds`; git dependencies are refused unless URLs are allowed.
public struct NpmInstaller: SessionInstaller {
    public enum Tool: Sendable, Equatable {
        case npm
        /// bun's in-sandbox executable and the bind that provides it.
        case bun(executable: String, bind: SandboxConfig.Bind)
    }

    public static let globalPrefix = SandboxPath.mountPoint + "/.global"
    public static let node = "/usr/bin/node"
    public static let npmCli = "/usr/lib/node_modules/npm/bin/npm-cli.js"
    public let tool: Tool
    public let policy: PackagePolicy

    public init(tool: Tool = .npm, policy: PackagePolicy = .current) { self.tool = tool; self.policy = policy }

    public var managers: [String] {
        switch tool {
        case .npm: ["npm"]
        case .bun: ["bun", "npm"]
        }
    }

    /// Global packages' bins on PATH, and (npm) their modules on NODE_PATH so `require` finds them.
    public var sessionEnv: [String: String] {
        switch tool {
        case .npm:
            [
                "PATH": "/workspace/node_modules/.bin:\(Self.globalPrefix)/bin:/usr/local/bin:/usr/bin:/bin",
                "NODE_PATH": "\(Self.globalPrefix)/lib/node_modules",
            ]
        case .bun:
            [
                "NODE_PATH": "/workspace/node_modules:\(Self.globalPrefix)/install/global/node_modules",
                "PATH": "/workspace/node_modules/.bin:\(Self.globalPrefix)/bin:/usr/local/bin:/usr/bin:/bin",
            ]
        }
    }

    /// The installer argv (without the wrapper) for vetted `specs` and `options`.
    public func arguments(specs: [String], options: NpmOptions) -> [String] {
        switch tool {
        case .npm:
            var a = [
                Self.node, Self.npmCli, "install", "--no-audit", "--no-fund", "--cache", "/tmp/npm-cache",
                "--update-notifier=false", "--loglevel=http",
            ]
            if !policy.allowSourceBuilds { a.append("--ignore-scripts") }
            if !policy.allowURLs { a.append("--git=/nonexistent/git-is-disabled") }
            if options.global { a += ["--global", "--prefix", Self.globalPrefix] }
            return a + options.passThrough + specs
        case .bun(let exe, _):
            let map =
                [
                    "--save-dev": "--dev", "--save-exact": "--exact", "--save-optional": "--optional",
                    "--omit=dev": "--production", "--legacy-peer-deps": nil, "--prefer-offline": nil, "--offline": nil,
                    "--save-prod": nil, "--silent": "--silent", "--no-save": "--no-save",
                    "--no-package-lock": "--no-save",
                    "--frozen-lockfile": "--frozen-lockfile",
                ] as [String: String?]
            // --config=/dev/null: the workspace's bunfig.toml (registry, scopes) is user-controlled; ignore it.
            var a = [exe, specs.isEmpty ? "install" : "add", "--no-progress", "--config=/dev/null"]
            if !policy.allowSourceBuilds { a.append("--ignore-scripts") }
            if options.global { a.append("--global") }
            for f in options.passThrough { if let m = map[f] ?? f, !a.contains(m) { a.append(m) } }
            return a + specs
        }
    }

    public func vetted(_ packages: [String], cwd: String = SandboxPath.mountPoint) throws(DriverError) -> [String] {
        var out: [String] = []
        for p in packages {
            let spec = try PackageSpec(p, style: .npm, policy: policy)
            switch spec.kind {
            case .local(let path): out.append(path)
            case .index, .url: out.append(p)
            }
        }
        return out
    }

    public func install(_ request: InstallRequest, session: SandboxSession, events: EventSink) async throws(DriverError)
        -> InstallOutcome
    {
        if request.requirementsFile != nil {
            throw .invalidParams(
                "requirementsFile: npm and bun read /workspace/package.json; call install_packages with no packages to install its dependencies"
            )
        }
        var options = try NpmOptions(request.flags)
        options.global = options.global || request.global
        let specs = try vetted(request.packages)
        if !options.global { try await vetPackageJSON(session: session) }
        let root = options.global ? globalModules : SandboxPath.mountPoint + "/node_modules"
        let scriptPath = SandboxFiles.root + "/packages/npm_wrapper.js"
        try SandboxFiles.write(NpmWrapperScript.text, to: scriptPath)
        var job = InstallSandbox.Job(
            command: [Self.node, "/opt/codebeaker-packages/npm_wrapper.js", "--", root]
                + arguments(specs: specs, options: options),
            timeoutMs: request.timeoutMs)
        job.readOnlyBinds = [.init(scriptPath, "/opt/codebeaker-packages/npm_wrapper.js")]
        job.env = Self.installEnv
        job.allowedHosts = PackageIndexes.npm
        // The registry comes from the environment, which outranks the project's .npmrc and bunfig.toml.
        if let registry = PackageIndexes.npmRegistry {
            job.env["npm_config_registry"] = registry
            job.env["NPM_CONFIG_REGISTRY"] = registry
            job.env["BUN_CONFIG_REGISTRY"] = registry
        }
        if case .bun(_, let bind) = tool { job.readOnlyBinds.append(bind) }
        let progress = ProgressLines(events: events, enabled: request.stream, hiddenPrefix: NpmWrapperScript.marker)
        let started = MonotonicClock.nowMs()
        var r = try await InstallSandbox.run(job, session: session, progress: progress)
        let (stdout, installed) = PipInstaller.extractInstalled(r.stdout, marker: NpmWrapperScript.marker)
        r.stdout = stdout
        r.durationMs = Int(MonotonicClock.nowMs() - started)
        if r.reason == nil, let code = r.exitCode, code != 0 { r.reason = "\(managers[0]) exited with status \(code)" }
        return InstallOutcome(
            run: r, installed: installed, manager: managers[0],
            extra: [
                "global": .bool(options.global),
                "prefix": .string(options.global ? Self.globalPrefix : SandboxPath.mountPoint),
            ])
    }

    /// npm/bun install what /workspace/package.json lists too: its specs get the `packages` rules. Read in
    /// the sandbox (session uid, offline), so a symlink cannot make the driver read a host file.
    func vetPackageJSON(session: SandboxSession) async throws(DriverError) {
        let path = SandboxPath.mountPoint + "/package.json"
        var job = InstallSandbox.Job(
            command: ["/bin/sh", "-c", "test -e \"$1\" || exit 3; exec cat -- \"$1\"", "sh", path], timeoutMs: 10_000)
        job.network = false
        job.maxOutputBytes = PackageJSONDependencies.maxBytes
        job.tmpSizeMB = 1
        let r = try await InstallSandbox.run(job, session: session, progress: nil)
        if r.exitCode == 3 { return }  // no package.json
        guard r.succeeded else {
            throw .invalidParams(
                "\(path): cannot read it: \(r.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(r.exitCode ?? -1)")"
            )
        }
        guard !r.stdoutTruncated else {
            throw .invalidParams("\(path) is larger than \(PackageJSONDependencies.maxBytes) bytes")
        }
        try PackageJSONDependencies.vet(r.stdout, file: path, policy: policy)
    }

    /// Never NODE_PATH or a PATH into the workspace here: node would resolve npm's own optional modules
    /// from user-writable directories while the installer has network.
    static let installEnv = [
        "BUN_INSTALL_CACHE_DIR": "/tmp/bun-cache", "BUN_INSTALL": globalPrefix, "DO_NOT_TRACK": "1",
        "npm_config_cache": "/tmp/npm-cache",
    ]

    var globalModules: String {
        switch tool {
        case .npm: Self.globalPrefix + "/lib/node_modules"
        case .bun: Self.globalPrefix + "/install/global/node_modules"
        }
    }

    public func shellInstall(_ request: ShellRequest) throws(DriverError) -> InstallRequest? {
        let name: String
        switch tool {
        case .npm: name = "npm";
        case .bun: name = "bun"
        }
        guard let args = ShellInstallCommand.npmArguments(request.command, request.args, tool: name) else { return nil }
        let o = try NpmOptions(args, allowSpecs: true)
        let cwd = SandboxPath.inside(request.cwd) ?? SandboxPath.mountPoint
        let specs = o.specs.map { s in
            s.hasPrefix("./") || s.hasPrefix("../") || s.hasPrefix("/") ? PackageSpec.rebased(s, cwd: cwd) : s
        }
        return try .make(
            requestId: request.requestId, session: request.session, handle: request.handle, manager: managers[0],
            packages: specs, global: o.global, flags: o.passThrough, timeoutMs: request.timeoutMs,
            stream: request.stream)
    }
}
