import DriverProtocol
import FoundationEssentials
import Glibc

/// The shared-cache path of a pip install (plain index names only; see `PackageCache` and docs/packages.md).
extension PipInstaller {
    /// Tree copy, else trusted fetch + tree build + copy, else pip offline against the wheels. A nil run
    /// means "not served from the cache": the caller runs pip against the index.
    func cachedInstall(
        _ plan: Plan, stream: Bool, session: SandboxSession, events: EventSink, progress: ProgressLines,
        remaining: () -> Int
    ) async throws(DriverError) -> (RunResult?, String) {
        let key = PackageCache.treeKey(specs: plan.specs, pre: plan.options.pre, noDeps: plan.options.noDeps)
        let fresh = plan.options.upgrade || plan.options.forceReinstall
        func settled(_ r: RunResult) -> Bool { r.succeeded || r.cancelled || r.timedOut }
        func stopped(_ r: RunResult) -> Bool { r.cancelled || r.timedOut }
        // 1. An installed tree for exactly these specs: copy it (no pip, no network).
        if !fresh, let tree = PackageCache.tree(key) {
            let r = try await applyTree(
                tree, names: plan.indexNames, session: session, progress: progress, timeoutMs: remaining())
            if settled(r) { return (r, "hit") }
        }
        // 2. The trusted fetch (network, cache uid) unless the cache seems to have every wheel already.
        var fetched = false
        func fetchNow() async throws(DriverError) -> RunResult {
            if stream { events.progress("fetching into the shared wheel cache") }
            fetched = true
            return try await fetch(plan, session: session, progress: progress, timeoutMs: remaining())
        }
        if fresh || !PackageCache.hasWheels(for: plan.specs) {
            let f = try await fetchNow()
            if stopped(f) { return (f, "miss") }
            if !f.succeeded { return (nil, "miss") }
        }
        // 3. A tree build (cache uid, offline from the wheels; once more after a fetch if wheels were missing), its copy.
        if !fresh {
            if PackageCache.tree(key) == nil {
                var b = try await buildTree(
                    plan, key: key, session: session, progress: progress, timeoutMs: remaining())
                if stopped(b) { return (b, "miss") }
                if !b.succeeded && !fetched {
                    let f = try await fetchNow()
                    if stopped(f) { return (f, "miss") }
                    if !f.succeeded { return (nil, "miss") }
                    b = try await buildTree(
                        plan, key: key, session: session, progress: progress, timeoutMs: remaining())
                    if stopped(b) { return (b, "miss") }
                }
            }
            if let tree = PackageCache.tree(key) {
                let r = try await applyTree(
                    tree, names: plan.indexNames, session: session, progress: progress, timeoutMs: remaining())
                if settled(r) { return (r, "filled") }
            }
        }
        // 4. pip in the session against the wheels only (upgrades; versions the venv already has).
        let r = try await pip(plan, offline: true, session: session, progress: progress, timeoutMs: remaining())
        return settled(r) ? (r, "filled") : (nil, "miss")
    }

    /// Copies a published tree into the session venv (session uid, offline). Exit 3: version conflict.
    func applyTree(_ tree: String, names: [String], session: SandboxSession, progress: ProgressLines, timeoutMs: Int)
        async throws(DriverError) -> RunResult
    {
        var job = InstallSandbox.Job(
            command: [Self.python, "-I", Self.bootSandboxPath, Self.venv, "--apply-tree", PackageCache.treeSandboxPath]
                + names,
            timeoutMs: timeoutMs)
        job.network = false
        job.readOnlyBinds = [.init(Self.bootHostPath, Self.bootSandboxPath), .init(tree, PackageCache.treeSandboxPath)]
        return try await InstallSandbox.run(job, session: session, progress: progress)
    }

    /// Installs the specs, offline from the wheel cache, into a fresh venv laid out like a session's
    /// (/workspace/.venv), as the cache uid; published as `trees/<key>` for later sessions.
    func buildTree(_ plan: Plan, key: String, session: SandboxSession, progress: ProgressLines, timeoutMs: Int)
        async throws(DriverError) -> RunResult
    {
        let staging = try PackageCache.makeStaging()
        let uid = PackageCache.uid
        var args = [
            "install", "--no-cache-dir", "--progress-bar", "off", "--no-input", "--only-binary=:all:", "--no-index",
            "--find-links", PackageCache.pipSandboxPath, "-q",
        ]
        if plan.options.pre { args.append("--pre") }
        if plan.options.noDeps { args.append("--no-deps") }
        var job = InstallSandbox.Job(
            command: [Self.python, "-I", Self.bootSandboxPath, Self.venv] + args + ["--"] + plan.specs,
            timeoutMs: timeoutMs)
        job.network = false
        job.env = ["TMPDIR": SandboxPath.mountPoint]  // unpacking on disk, not in the memory-charged /tmp
        job.identity = (uid, uid, staging, try SandboxFiles.etcDir(uid: uid, gid: uid))
        job.readOnlyBinds = [
            .init(Self.bootHostPath, Self.bootSandboxPath), .init(PackageCache.pipWheels, PackageCache.pipSandboxPath),
        ]
        let r: RunResult
        do { r = try await InstallSandbox.run(job, session: session, progress: nil) } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        if r.succeeded {
            PackageCache.publishTree(staging: staging, key: key)
        } else {
            try? FileManager.default.removeItem(atPath: staging)
        }
        return r
    }

    /// The trusted fetch: the cache uid, network, `pip download` of vetted specs into a fresh staging dir,
    /// then `PackageCache.publish` moves the wheels into the read-only cache.
    func fetch(_ plan: Plan, session: SandboxSession, progress: ProgressLines, timeoutMs: Int) async throws(DriverError)
        -> RunResult
    {
        let staging = try PackageCache.makeStaging()
        let uid = PackageCache.uid
        var job = InstallSandbox.Job(command: fetchArguments(plan), timeoutMs: timeoutMs)
        job.identity = (uid, uid, staging, try SandboxFiles.etcDir(uid: uid, gid: uid))
        job.allowedHosts = PackageIndexes.pip
        job.readOnlyBinds = [.init(PackageCache.pipWheels, PackageCache.pipSandboxPath)]
        job.env = ["TMPDIR": SandboxPath.mountPoint]
        let r: RunResult
        do { r = try await InstallSandbox.run(job, session: session, progress: progress) } catch {
            PackageCache.publish(staging: staging)
            throw error
        }
        PackageCache.publish(staging: staging)
        return r
    }

}
