import DriverKit
import DriverProtocol
import Synchronization

/// The Docker driver: one container per session, runs through the container's cb-runner (pid 1).
final class DockerRuntime: DriverRuntime {
    let name = "docker"
    let version = "0.1.0"

    let config: DockerDriverConfig
    let engine: DockerEngine
    let factory: ContainerFactory
    let pool: WarmPool
    let janitor: Janitor
    private let sessions = Mutex<[String: DockerSession]>([:])
    private let health: EngineHealth
    private let execCounter = Atomic<Int>(0)

    init(config: DockerDriverConfig, endpoint: DockerEndpoint) {
        self.config = config
        engine = DockerEngine(endpoint: endpoint)
        var slots: WorkspaceSlots? = nil
        if endpoint.isLocal {
            let s = WorkspaceSlots(root: "\(config.slotRoot)/\(config.instance)")
            if let problem = s.prepare() {
                DriverLog.warning("warm pool disabled (workspace slots unavailable: \(problem))")
            } else {
                slots = s
            }
        }
        factory = ContainerFactory(engine: engine, config: config, slots: slots)
        pool = WarmPool(size: config.poolSize, factory: factory)
        janitor = Janitor(factory: factory)
        health = EngineHealth(engine: engine)
    }

    /// Startup: note a previous run's containers (for re-adoption), then in the background remove the rest and
    /// warm the pool for the built-in images present. Nothing here delays the handshake by more than a listing.
    func start() {
        guard health.check(force: true).ok else { return }
        let sweep = janitor.sweepAtStartup()
        let images = config.poolImages ?? DockerLanguage.all.filter(\.builtIn).map(\.defaultImage)
        OSThread.start { [self] in
            sweep.cleanup()
            engine.http.prewarm(2)
            for image in images where (try? factory.checkImage(image)) != nil { pool.refill(image) }
        }
    }

    func capabilities() -> DriverCapabilities {
        let h = health.check(force: false)
        return DriverCapabilities(
            languages: DockerLanguage.capabilities, runtimeType: "Docker", isolationLevel: 9,
            startupMs: pool.enabled ? 60 : 450, memoryMB: 64, packageManagers: [], stateful: false,
            interrupt: true, streaming: true, networkControl: true, available: h.ok,
            unavailableReason: h.ok ? nil : h.reason,
            installHint: h.ok ? nil : "install Docker (apt-get install docker.io), start dockerd, then build the images "
                + "with scripts/build-runtime-images.sh; set DOCKER_HOST for a remote engine")
    }

    // MARK: sessions

    func openSession(_ request: OpenSessionRequest) async throws -> OpenSessionResult {
        if let existing = sessions.withLock({ $0[request.session] }) {
            return result(existing.container, pooled: false)
        }
        let language = DockerLanguage.find(request.language)
        if request.language != nil && language == nil && request.options.dockerImage == nil {
            throw DriverError.invalidParams("language '\(request.language!)' is not supported by the Docker driver "
                                            + "(python, javascript, go, csharp; or pass dockerImage)")
        }
        guard let image = request.options.dockerImage ?? language?.defaultImage else {
            throw DriverError.invalidParams("session.open needs a language or options.dockerImage")
        }
        let h = health.check(force: false)
        guard h.ok else { throw DriverError.unavailable(h.reason ?? "Docker is unavailable") }

        let (container, pooled) = try await offPool { [self] in try obtainContainer(request, image: image, language: language) }
        let session = DockerSession(id: request.session, language: language, options: request.options,
                                    workspace: request.workspace, container: container)
        let raced = sessions.withLock { s -> DockerSession? in
            if let other = s[request.session] { return other }
            s[request.session] = session
            return nil
        }
        if let raced {
            factory.destroy(container)
            return result(raced.container, pooled: false)
        }
        startForkServer(session)
        return result(container, pooled: pooled)
    }

    private func result(_ c: LiveContainer, pooled: Bool) -> OpenSessionResult {
        OpenSessionResult(handle: c.id, containerId: c.id, extra: ["image": .string(c.image), "pooled": .bool(pooled)])
    }

    /// Re-adopts, takes from the pool or creates; blocking.
    private func obtainContainer(_ request: OpenSessionRequest, image: String,
                                 language: DockerLanguage?) throws -> (LiveContainer, Bool) {
        if let handle = request.handle, let adopted = try readopt(handle, request: request) {
            return (adopted, false)
        }
        do {
            _ = try factory.checkImage(image)
        } catch let e {
            if let language, !language.builtIn, request.options.dockerImage == nil {
                throw DriverError.unavailable(
                    "\(language.name) needs a .NET image, and Debian 12 ships no .NET SDK: bring your own image via the "
                    + "session option dockerImage (an image with dotnet and dotnet-script on PATH, e.g. built FROM "
                    + "codebeaker-base), or build one tagged \(language.defaultImage)")
            }
            if language?.builtIn == true && request.options.dockerImage == nil {
                throw DriverError.unavailable("\(e.message): build it with scripts/build-runtime-images.sh")
            }
            throw e
        }
        let o = request.options
        if !o.network, let slots = factory.slots, let warm = pool.take(image) {
            if let slot = warm.slot, slots.attach(workspace: request.workspace, to: slot) == nil {
                do {
                    if o.memoryLimitMB != config.defaultMemoryMB || o.cpuShares != config.defaultCpuShares
                        || o.pidsLimit != config.defaultPidsLimit {
                        try engine.updateContainer(warm.id, ContainerSpec.updateBody(
                            memoryMB: o.memoryLimitMB, cpuShares: o.cpuShares, pidsLimit: o.pidsLimit))
                    }
                    // Names identify sessions (labels are fixed at create); also marks it "not pool" for the janitor.
                    try engine.renameContainer(warm.id, to: ContainerLabels.containerName(session: request.session))
                    return (warm, true)
                } catch {
                    DriverLog.warning("pool container \(warm.id.prefix(12)) unusable: \(error)")
                }
            }
            factory.destroy(warm)
        }
        let mount: ContainerSpec.WorkspaceMount = engine.endpoint.isLocal ? .direct(hostPath: request.workspace) : .none
        let c = try factory.create(.init(image: image, memoryMB: o.memoryLimitMB, cpuShares: o.cpuShares, pidsLimit: o.pidsLimit,
                                         network: o.network, workspace: mount,
                                         labels: [ContainerLabels.session: request.session],
                                         name: ContainerLabels.containerName(session: request.session), slot: nil))
        return (c, false)
    }

    /// After a driver restart the host re-opens with the old handle (the container id): attach to it again.
    private func readopt(_ handle: String, request: OpenSessionRequest) throws -> LiveContainer? {
        guard let summary = janitor.claim(handle) else { return nil }
        let slot = summary.labels[ContainerLabels.slot]
        if let slot, let slots = factory.slots, !slots.isAttached(slot) {
            _ = slots.attach(workspace: request.workspace, to: slot)
        }
        do {
            let c = try factory.reattach(id: summary.id, image: summary.image, slot: slot)
            DriverLog.info("re-adopted container \(summary.id.prefix(12)) for session \(request.session)")
            return c
        } catch {
            DriverLog.warning("could not re-adopt \(summary.id.prefix(12)): \(error)")
            if let slot { factory.slots?.release(slot) }
            factory.remove(id: summary.id)
            return nil
        }
    }

    func closeSession(_ request: CloseSessionRequest) async {
        guard let s = sessions.withLock({ $0.removeValue(forKey: request.session) }) else {
            // Unknown here, but maybe a leftover of a previous run the host no longer wants.
            if let handle = request.handle, let leftover = janitor.claim(handle) {
                _ = try? await offPool { [factory] in
                    if let slot = leftover.labels[ContainerLabels.slot] { factory.slots?.release(slot) }
                    factory.remove(id: leftover.id)
                }
            }
            return
        }
        let c = s.container
        _ = try? await offPool { [factory] in factory.destroy(c) }
    }

    func shutdown() async {
        let all = sessions.withLock { s -> [DockerSession] in defer { s.removeAll() }; return Array(s.values) }
        _ = try? await offPool { [self] in
            pool.drain()
            for s in all { factory.destroy(s.container) }
            pool.waitForCreations(timeoutMs: 5_000)
            pool.drain()
            janitor.removeUnadopted()
            engine.http.closeIdle()
        }
    }

    /// `docker.status`: pool and session counts (tests, diagnostics).
    func handle(method: String, params: JSONValue, events: EventSink) async throws -> JSONValue {
        guard method == "docker.status" else { throw DriverError.methodNotFound(method) }
        var ready = JSONObject()
        for image in pool.images { ready[image] = .int(pool.readyCount(image)) }
        return ["engine": .string(engine.endpoint.description), "poolSize": .int(pool.enabled ? pool.size : 0),
                "poolReady": .object(ready), "sessions": .int(sessions.withLock { $0.count }),
                "forkServersReady": .int(sessions.withLock { $0.values.filter { $0.forkServer.isReady }.count })]
    }

    // MARK: runs

    /// Python sessions get a fork server (python's start is most of an execution's cost otherwise).
    private func startForkServer(_ s: DockerSession) {
        guard s.language?.name == "python", config.forkServer else { return }
        let env = s.options.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        s.forkServer.start(on: s.container.channel, uid: UInt32(s.options.uid ?? config.defaultUid),
                           gid: UInt32(s.options.gid ?? config.defaultGid), env: env)
    }

    func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        let s = try session(request.session)
        guard let language = DockerLanguage.find(request.language) ?? s.language else {
            throw DriverError.invalidParams("field 'language' is required (this session was opened without one)")
        }
        let n = execCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        let path = "/tmp/cb_exec_\(n)\(language.fileExtension)"
        var env = s.options.env.merging(request.env) { _, new in new }
        if request.stream && language.name == "python" && env["PYTHONUNBUFFERED"] == nil { env["PYTHONUNBUFFERED"] = "1" }
        let spec = runSpec(s, argv: language.command(path), cwd: "/workspace", env: env, stdin: request.stdin,
                           timeoutMs: request.timeoutMs, maxOutput: request.maxOutputBytes,
                           file: (path, Array(request.code.utf8)))
        if language.name == "python" && s.language?.name == "python" {
            if s.forkServer.isReady {
                var forked = spec
                forked.argv = [PythonForkServer.socketPath] + spec.argv
                let r = try await run(s, forked, timeoutMs: request.timeoutMs, events: events, viaForkServer: true)
                if r.reason != Self.forkServerGone { return r }
                s.forkServer.markGone()
            }
            startForkServer(s)
        }
        return try await run(s, spec, timeoutMs: request.timeoutMs, events: events)
    }

    func shell(_ request: ShellRequest, events: EventSink) async throws -> RunResult {
        let s = try session(request.session)
        let cwd = request.cwd.hasPrefix("/") ? request.cwd : "/workspace/\(request.cwd)"
        let env = s.options.env.merging(request.env) { _, new in new }
        let spec = runSpec(s, argv: [request.command] + request.args, cwd: cwd, env: env, stdin: request.stdin,
                           timeoutMs: request.timeoutMs, maxOutput: request.maxOutputBytes, file: nil)
        return try await run(s, spec, timeoutMs: request.timeoutMs, events: events)
    }

    private func session(_ id: String) throws(DriverError) -> DockerSession {
        guard let s = sessions.withLock({ $0[id] }) else { throw .sessionNotFound(id) }
        return s
    }

    private func runSpec(_ s: DockerSession, argv: [String], cwd: String, env: [String: String], stdin: String?,
                         timeoutMs: Int, maxOutput: Int, file: (String, [UInt8])?) -> RunnerWire.Run {
        RunnerWire.Run(uid: UInt32(s.options.uid ?? config.defaultUid), gid: UInt32(s.options.gid ?? config.defaultGid),
                       timeoutMs: UInt32(clamping: timeoutMs), maxOutput: UInt32(clamping: maxOutput), cwd: cwd,
                       filePath: file?.0 ?? "", fileContent: file?.1 ?? [], stdin: stdin.map { Array($0.utf8) } ?? [],
                       argv: argv, env: env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
    }

    static let forkServerGone = "fork server unavailable"

    private func run(_ s: DockerSession, _ spec: RunnerWire.Run, timeoutMs: Int, events: EventSink,
                     viaForkServer: Bool = false) async throws -> RunResult {
        var c = s.container
        if c.channel.isBroken {
            let old = c
            // The attach stream broke (daemon restart?) but the container may still be there: attach again once.
            guard let again = try? await offPool({ [factory] in try factory.reattach(id: old.id, image: old.image, slot: old.slot) }) else {
                throw DriverError(code: DriverWire.ErrorCode.sessionNotFound,
                                  message: "session \(s.id): its container \(old.id.prefix(12)) is gone")
            }
            s.replaceChannel(again)
            c = again
        }
        let forwarder = OutputForwarder(events: events)
        let started = MonotonicClock.nowMs()
        let outcome = await c.channel.run(spec, viaForkServer: viaForkServer,
                                          onOutput: forwarder.handler)
        if outcome.exit?.forkServerUnavailable == true {
            // Nothing ran; the caller retries the plain way.
            return RunResult(reason: Self.forkServerGone)
        }
        let duration = Int(MonotonicClock.nowMs() - started)
        forwarder.flush()
        var oom = outcome.exit?.oomKilled ?? false
        if let x = outcome.exit, x.signal == 9, !x.timedOut, !x.cancelled, !oom {
            // Runners that cannot read the cgroup counter: ask Docker (it flags OOM kills of the main process).
            let id = c.id
            oom = (try? await offPool { [engine] in try engine.inspectContainer(id)?["State"]?["OOMKilled"]?.bool ?? false }) ?? false
        }
        if outcome.exit == nil, Task.isCancelled { throw CancellationError() }
        return RunOutcomeMapper.result(outcome, timeoutMs: timeoutMs, durationMs: duration, oomKilled: oom,
                                       memoryMB: s.options.memoryLimitMB)
    }
}
