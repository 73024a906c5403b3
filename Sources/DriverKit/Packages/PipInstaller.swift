public import DriverProtocol
import FoundationEssentials
import Glibc

/// pip for the python driver: a per-session virtualenv at /workspace/.venv (created on first install; it
/// lives in the host-owned workspace, so it survives driver restarts and is removed with the workspace at
/// session close), filled through the shared read-only wheel cache (`PackageCache`).
public struct PipInstaller: SessionInstaller {
    public static let venv = SandboxPath.mountPoint + "/.venv"
    public static let python = "/usr/bin/python3"
    public var managers: [String] { ["pip"] }
    public let policy: PackagePolicy

    public init(policy: PackagePolicy = .current) { self.policy = policy }

    /// Executions see the venv: `python3`/`pip` on PATH resolve to it; the python runner adds its
    /// site-packages to each job's sys.path (see `PythonRunnerScript`'s `add_job_paths`).
    public var sessionEnv: [String: String] {
        ["PATH": Self.venv + "/bin:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV": Self.venv]
    }

    static var bootHostPath: String { SandboxFiles.root + "/packages/" + PipBootScript.fileName }
    static let bootSandboxPath = "/opt/codebeaker-packages/" + PipBootScript.fileName

    /// What one install will do, decided before anything runs (pure; unit-tested).
    public struct Plan: Sendable, Equatable {
        public var specs: [String]
        public var indexNames: [String]
        public var options: PipOptions
        /// Only index names and no user index options: the shared cache can serve and be filled.
        public var cacheable: Bool
    }

    public func plan(specs raw: [String], requirements: (specs: [String], options: PipOptions)?, flags: PipOptions)
        throws(DriverError) -> Plan
    {
        var options = flags
        var all = raw
        if let r = requirements {
            all += r.specs
            options.findLinks += r.options.findLinks
            options.noIndex = options.noIndex || r.options.noIndex
            options.upgrade = options.upgrade || r.options.upgrade
            options.pre = options.pre || r.options.pre
            options.noDeps = options.noDeps || r.options.noDeps
        }
        guard !all.isEmpty else {
            throw .invalidParams(
                "packages: nothing to install (give 'packages' or 'requirementsFile', or put a requirements.txt in /workspace)"
            )
        }
        var specs: [String] = [], names: [String] = [], cacheable = !options.noIndex && options.findLinks.isEmpty
        for s in all {
            let base = s.split(separator: ";", maxSplits: 1).first.map { String($0.trimmingSpaces) } ?? s
            let spec = try PackageSpec(String(base), style: .pip, policy: policy)
            switch spec.kind {
            case .index(let name): names.append(name); specs.append(s)
            case .local(let path):
                if !path.hasSuffix(".whl") && !policy.allowSourceBuilds {
                    throw .invalidParams(
                        "packages: \"\(s.prefix(60))\" is not a wheel (.whl); building local sources is disabled on this server"
                    )
                }
                specs.append(path); cacheable = false
            case .url: specs.append(s); cacheable = false
            }
        }
        return Plan(specs: specs, indexNames: names, options: options, cacheable: cacheable)
    }

    /// `pip install` argv after the boot script's venv argument.
    public func installArguments(_ plan: Plan, offline: Bool) -> [String] {
        var a = ["install", "--no-cache-dir", "--progress-bar", "off", "--no-input"]
        if !policy.allowSourceBuilds { a.append("--only-binary=:all:") }
        a += plan.options.installArguments
        a += ["--find-links", PackageCache.pipSandboxPath]
        if offline || plan.options.noIndex { a.append("--no-index") }
        return a + ["--"] + plan.specs
    }

    /// `pip download` argv for the cache fetcher: vetted index specs only, wheels only, into /workspace.
    public func fetchArguments(_ plan: Plan) -> [String] {
        var a = [
            Self.python, "-I", "-m", "pip", "download", "--only-binary=:all:", "--no-cache-dir", "--progress-bar",
            "off",
            "--no-input", "--disable-pip-version-check", "--dest", SandboxPath.mountPoint, "--find-links",
            PackageCache.pipSandboxPath,
        ]
        if plan.options.pre { a.append("--pre") }
        if plan.options.noDeps { a.append("--no-deps") }
        return a + ["--"] + plan.specs
    }

    public func install(_ request: InstallRequest, session: SandboxSession, events: EventSink) async throws(DriverError)
        -> InstallOutcome
    {
        let started = MonotonicClock.nowMs()
        let deadline = started + Int64(request.timeoutMs)
        func remaining() -> Int { max(1, Int(deadline - MonotonicClock.nowMs())) }
        let flags = try PipOptions(request.flags)
        var requirements: (specs: [String], options: PipOptions)? = nil
        var reqFile = request.requirementsFile
        if reqFile == nil && request.packages.isEmpty { reqFile = SandboxPath.mountPoint + "/requirements.txt" }
        if let file = reqFile {
            requirements = try await readRequirements(file, session: session)
        }
        let plan = try plan(specs: request.packages, requirements: requirements, flags: flags)
        try await checkFindLinksAreDirectories(plan.options.findLinks, session: session)
        try SandboxFiles.write(PipBootScript.text, to: Self.bootHostPath)
        try PackageCache.prepare()
        let progress = ProgressLines(events: events, enabled: request.stream, hiddenPrefix: PipBootScript.marker)

        var cache = "bypassed"
        var run: RunResult? = nil
        if plan.cacheable {
            (run, cache) = try await cachedInstall(
                plan, stream: request.stream, session: session, events: events,
                progress: progress, remaining: remaining)
        }
        var r: RunResult
        if let run {
            r = run
        } else {
            r = try await pip(plan, offline: false, session: session, progress: progress, timeoutMs: remaining())
        }
        let (stdout, installed) = Self.extractInstalled(r.stdout)
        r.stdout = stdout
        r.durationMs = Int(MonotonicClock.nowMs() - started)
        if r.reason == nil, let code = r.exitCode, code != 0 { r.reason = "pip exited with status \(code)" }
        return InstallOutcome(
            run: r, installed: installed, manager: "pip",
            extra: ["venv": .string(Self.venv), "cache": .string(Self.reported(cache: cache))])
    }

    func pip(_ plan: Plan, offline: Bool, session: SandboxSession, progress: ProgressLines, timeoutMs: Int)
        async throws(DriverError) -> RunResult
    {
        var job = InstallSandbox.Job(
            command: [Self.python, "-I", Self.bootSandboxPath, Self.venv] + installArguments(plan, offline: offline),
            timeoutMs: timeoutMs)
        job.network = !offline && !plan.options.noIndex
        job.allowedHosts = PackageIndexes.pip
        job.readOnlyBinds = [
            .init(Self.bootHostPath, Self.bootSandboxPath), .init(PackageCache.pipWheels, PackageCache.pipSandboxPath),
        ]
        return try await InstallSandbox.run(job, session: session, progress: progress)
    }

    /// Reads a requirements file inside the sandbox (as the session uid, offline), so a symlink in the
    /// workspace cannot make the driver read a host file.
    func readRequirements(_ file: String, session: SandboxSession) async throws(DriverError) -> (
        specs: [String], options: PipOptions
    ) {
        guard let path = SandboxPath.inside(file) else {
            throw .invalidParams("requirementsFile: \"\(file.prefix(60))\" must be a path under /workspace")
        }
        var job = InstallSandbox.Job(command: ["/bin/cat", "--", path], timeoutMs: 10_000)
        job.network = false
        job.maxOutputBytes = RequirementsFile.maxBytes
        job.tmpSizeMB = 1
        let r = try await InstallSandbox.run(job, session: session, progress: nil)
        guard r.succeeded else {
            throw .invalidParams(
                "requirementsFile: cannot read \(path): \(r.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(r.exitCode ?? -1)")"
            )
        }
        guard !r.stdoutTruncated else {
            throw .invalidParams("requirementsFile: \(path) is larger than \(RequirementsFile.maxBytes) bytes")
        }
        return try RequirementsFile.parse(r.stdout, file: path, policy: policy)
    }

    /// `--find-links` may name only directories: a file there is a links page whose `<a href>` could point
    /// pip anywhere. Checked in the sandbox as the session uid, like the requirements file.
    func checkFindLinksAreDirectories(_ paths: [String], session: SandboxSession) async throws(DriverError) {
        guard !paths.isEmpty else { return }
        var job = InstallSandbox.Job(
            command: ["/bin/sh", "-c", "for p; do test -d \"$p\" || { printf %s \"$p\"; exit 1; }; done", "sh"] + paths,
            timeoutMs: 10_000)
        job.network = false
        job.tmpSizeMB = 1
        let r = try await InstallSandbox.run(job, session: session, progress: nil)
        guard r.succeeded else {
            throw .invalidParams(
                "flags: --find-links \"\(r.stdout.prefix(80))\" must be a directory under /workspace (a links page could point pip at any URL)"
            )
        }
    }

    /// The cache state a client is told. The cache is shared by every principal, so "hit" (someone already
    /// installed this set) versus "filled" (nobody had) would tell one tenant what another installed: both
    /// are reported as "shared" (served through the shared cache). "miss" and "bypassed" say nothing about
    /// other sessions.
    static func reported(cache: String) -> String { cache == "hit" || cache == "filled" ? "shared" : cache }

    /// Splits the boot script's result line off pip's output.
    static func extractInstalled(_ stdout: String, marker: String = PipBootScript.marker) -> (
        String, [InstallOutcome.Installed]
    ) {
        var kept: [Substring] = [], installed: [InstallOutcome.Installed] = []
        for line in stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix(marker) else { kept.append(line); continue }
            if kept.last?.isEmpty == true { kept.removeLast() }  // the wrapper's newline before the marker
            let json = line.dropFirst(marker.count)
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

    public func shellInstall(_ request: ShellRequest) throws(DriverError) -> InstallRequest? {
        guard let args = ShellInstallCommand.pipArguments(request.command, request.args) else { return nil }
        let o = try PipOptions(args, allowSpecs: true)
        guard o.requirementFiles.count <= 1 else { throw .invalidParams("args: one -r file per pip install") }
        var flags: [String] = []
        if o.upgrade { flags.append("--upgrade") }
        if o.noDeps { flags.append("--no-deps") }
        if o.pre { flags.append("--pre") }
        if o.noIndex { flags.append("--no-index") }
        if o.forceReinstall { flags.append("--force-reinstall") }
        if o.quiet > 0 { flags.append("-q") }
        for f in o.findLinks { flags.append("--find-links=" + f) }
        let cwd = SandboxPath.inside(request.cwd) ?? SandboxPath.mountPoint
        let specs = o.specs.map { s in
            s.hasPrefix("./") || s.hasPrefix("../") || s.hasPrefix("/") || s.hasSuffix(".whl")
                ? PackageSpec.rebased(s, cwd: cwd) : s
        }
        let reqFile = o.requirementFiles.first
        if specs.isEmpty && reqFile == nil { throw .invalidParams("args: pip install needs package names or -r FILE") }
        return try .make(
            requestId: request.requestId, session: request.session, handle: request.handle, manager: "pip",
            packages: specs, requirementsFile: reqFile, flags: flags,
            timeoutMs: request.timeoutMs, stream: request.stream)
    }
}
