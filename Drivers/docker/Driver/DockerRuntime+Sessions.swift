import DriverKit
import DriverProtocol
import Synchronization

/// session.open (pool, cold create, re-adoption), session.close, shutdown and `docker.status`.
extension DockerRuntime {
    func openSession(_ request: SessionOpenParams) async throws -> SessionOpenReply {
        try await openGate.withGate(request.session) { try await open(request) }
    }

    private func open(_ request: SessionOpenParams) async throws -> SessionOpenReply {
        if let existing = sessions.withLock({ $0[request.session] }) {
            return result(existing.container, pooled: false)
        }
        let language = DockerLanguage.find(request.language)
        if request.language != nil && language == nil && request.options.dockerImage == nil {
            throw DriverError.invalidParams(
                "language '\(request.language!)' is not supported by the Docker driver "
                    + "(python, javascript, go, csharp; or pass dockerImage)")
        }
        guard let image = request.options.dockerImage ?? language?.defaultImage else {
            throw DriverError.invalidParams("session.open needs a language or options.dockerImage")
        }
        let h = health.check(force: false)
        guard h.ok else { throw DriverError.unavailable(h.reason ?? "Docker is unavailable") }

        opensStarted.wrappingAdd(1, ordering: .relaxed)
        openingCount.wrappingAdd(1, ordering: .relaxed)
        opening.withLock { _ = $0.insert(request.session) }
        defer {
            opening.withLock { _ = $0.remove(request.session) }
            openingCount.wrappingSubtract(1, ordering: .relaxed)
        }
        let (container, pooled) = try await offPool { [self] in
            try obtainContainer(request, image: image, language: language)
        }
        if closedWhileOpening.withLock({ $0.remove(request.session) != nil }) {
            _ = try? await offPool { [factory] in factory.destroy(container) }
            throw DriverError.sessionNotFound(request.session)
        }
        let session = DockerSession(
            id: request.session, language: language, options: request.options,
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

    func result(_ c: LiveContainer, pooled: Bool) -> SessionOpenReply {
        SessionOpenReply(handle: c.id, containerId: c.id, extra: ["image": .string(c.image), "pooled": .bool(pooled)])
    }

    /// Re-adopts, takes from the pool or creates; blocking.
    func obtainContainer(
        _ request: SessionOpenParams, image: String,
        language: DockerLanguage?
    ) throws -> (LiveContainer, Bool) {
        if let adopted = try readopt(request) {
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
                        || o.pidsLimit != config.defaultPidsLimit || o.cpuQuotaPercent > 0
                    {
                        try engine.updateContainer(
                            warm.id,
                            ContainerSpec.updateBody(
                                memoryMB: o.memoryLimitMB, cpuShares: o.cpuShares, pidsLimit: o.pidsLimit,
                                cpuQuotaPercent: o.cpuQuotaPercent))
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
        let c = try factory.create(
            .init(
                image: image, memoryMB: o.memoryLimitMB, cpuShares: o.cpuShares, pidsLimit: o.pidsLimit,
                network: o.network, workspace: mount,
                labels: [ContainerLabels.session: request.session],
                name: ContainerLabels.containerName(session: request.session), slot: nil))
        if o.cpuQuotaPercent > 0 {
            do {
                try engine.updateContainer(
                    c.id,
                    ContainerSpec.updateBody(
                        memoryMB: o.memoryLimitMB, cpuShares: o.cpuShares,
                        pidsLimit: o.pidsLimit, cpuQuotaPercent: o.cpuQuotaPercent))
            } catch {
                factory.destroy(c)
                throw error
            }
        }
        return (c, false)
    }

    /// After a driver restart the host re-opens with the old handle (the container id): attach to it again.
    func readopt(_ request: SessionOpenParams) throws -> LiveContainer? {
        guard let summary = janitor.claim(handle: request.handle, session: request.session) else { return nil }
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

    func closeSession(_ request: SessionCloseParams) async {
        guard let s = sessions.withLock({ $0.removeValue(forKey: request.session) }) else {
            // Unknown here, but maybe a leftover of a previous run the host no longer wants.
            if opening.withLock({ $0.contains(request.session) }) {
                // Closed while its open is still running: the open removes what it made (see openSession).
                closedWhileOpening.withLock { _ = $0.insert(request.session) }
            }
            if let leftover = janitor.claim(handle: request.handle, session: request.session) {
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

    /// stdin EOF, `shutdown` or SIGTERM: every container goes, in parallel (the host allows ~2 s before SIGTERM).
    /// Concurrent calls share one cleanup.
    func shutdown() async {
        let task = shutdownTask.withLock { t -> Task<Void, Never> in
            if let t { return t }
            let new = Task { await self.releaseEverything() }
            t = new
            return new
        }
        await task.value
    }

    private func releaseEverything() async {
        stopped.store(true, ordering: .relaxed)
        let all = sessions.withLock { s -> [DockerSession] in
            defer { s.removeAll() }; return Array(s.values)
        }
        _ = try? await offPool { [self] in
            let containers = pool.drain() + all.map(\.container)
            Parallel.forEach(containers) { [factory] c in factory.destroy(c) }
            pool.waitForCreations(timeoutMs: 3_000)
            Parallel.forEach(pool.drain()) { [factory] c in factory.destroy(c) }
            janitor.removeUnadopted()
            janitor.removeAllOfInstance()
            factory.slots?.teardown()
            engine.http.closeIdle()
        }
    }

    /// `docker.status`: pool and session counts (tests, diagnostics).
    func handle(method: String, params: JSONValue, events: EventSink) async throws -> JSONValue {
        guard method == "docker.status" else { throw DriverError.methodNotFound(method) }
        var ready = JSONObject()
        for image in pool.images { ready[image] = .int(pool.readyCount(image)) }
        return [
            "engine": .string(engine.endpoint.description), "poolSize": .int(pool.enabled ? pool.size : 0),
            "poolReady": .object(ready), "sessions": .int(sessions.withLock { $0.count }),
            "forkServersReady": .int(sessions.withLock { $0.values.filter { $0.forkServer.isReady }.count }),
        ]
    }
}
