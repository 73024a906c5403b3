import DriverProtocol

extension SessionManager {
    /// `session.open` params; `handle` is set when re-adopting after a driver restart.
    func openParams(_ rec: SessionRecord) -> SessionOpenParams {
        openParams(
            id: rec.id, workspace: rec.workspace, language: rec.selection.driverLanguage, uid: rec.uid,
            handle: rec.handle, options: rec.options)
    }

    func openParams(
        id: String, workspace: Workspace, language: String, uid: UInt32, handle: String?, options o: SessionOptions
    ) -> SessionOpenParams {
        let options = SessionOpenOptions(
            memoryLimitMB: o.memoryLimitMB, cpuShares: o.cpuShares, pidsLimit: config.pidsLimit, network: o.network,
            stateful: o.stateful, uid: Int(uid), gid: Int(uid), dockerImage: o.dockerImage,
            permissions: o.permissions,
            env: o.env, cpuQuotaPercent: config.cpuQuotaPercent, allSessionsMemoryMB: config.allSessionsMemoryMB,
            idleCpuSeconds: config.idleCpuSeconds)
        return SessionOpenParams(
            session: id, workspace: workspace.root, language: language, handle: handle, options: options)
    }

    /// Re-opens a session on its driver with its handle, once per driver restart: a session already opened on
    /// the running process is left alone (unless `force`: the driver said it lost it), and callers that
    /// ask while a re-open is in flight share it. Returns nil on success, else why not.
    func reopen(_ sessionId: String, force: Bool = false) async -> String? {
        guard let rec = sessions[sessionId], !rec.machine.isClosing else { return "session closed" }
        if let inFlight = rec.reopening { return await inFlight.value }
        if !force, let opened = rec.openedGeneration, opened == rec.driver.generation {
            sessions[sessionId]?.needsReopen = false
            return nil
        }
        let driver = rec.driver, params = openParams(rec)
        let task = Task { () -> String? in
            do throws(DriverCallError) {
                let r = try await driver.call(params)
                if !self.reopened(sessionId, result: r, generation: driver.generation) {
                    // Closed while it was being re-opened: the driver's new sandbox would be left behind.
                    _ = try? await driver.call(SessionCloseParams(session: sessionId, handle: r.handle))
                    return "session closed"
                }
                return nil
            } catch {
                if case .remote = error.kind { return "open failed: \(error.message)" }
                return error.message
            }
        }
        sessions[sessionId]?.reopening = task
        let problem = await task.value
        sessions[sessionId]?.reopening = nil
        return problem
    }

    private func reopened(_ sessionId: String, result r: SessionOpenReply, generation: Int?) -> Bool {
        // A close under way has already sent its session.close, maybe before this open reached the driver.
        guard let rec = sessions[sessionId], !rec.machine.isClosing else { return false }
        sessions[sessionId]?.handle = r.handle
        if let c = r.containerId { sessions[sessionId]?.containerId = c }
        sessions[sessionId]?.needsReopen = false
        sessions[sessionId]?.openedGeneration = generation
        logger.info(
            "session re-opened on restarted driver",
            ["session": sessionId, "driver": sessions[sessionId]?.driver.name ?? ""])
        return true
    }

    /// The supervisor restarted `driverName`: re-adopt its sessions (workspaces live on the host, so files survive).
    /// A session still being created is left to its own `session.open`: that call either reached the new process
    /// or failed with the crash, and a second open of the same id would race it.
    public func driverRestarted(_ driverName: String) async {
        for p in pool.removeAll(driver: driverName) { discardLater(p.entry, .driverRestarted) }
        let ids = sessions.filter { $0.value.driver.name == driverName && !$0.value.machine.isCreating }.map(\.key)
        for id in ids { sessions[id]?.needsReopen = true }
        for id in ids {
            if let problem = await reopen(id) {
                logger.warning("cannot re-open session after driver restart", ["session": id, "error": problem])
            }
        }
    }

    enum RequestBuild {
        case success(DriverRunRequest)
        case failure(String)
    }

    /// The driver request for an execution command, with its paths mapped to `/workspace/...`.
    func driverRequest(_ command: SessionCommand, rec: SessionRecord, timeoutMs: Int, stream: Bool) -> RequestBuild {
        func env(_ extra: [String: String]) -> [String: String] {
            rec.options.env.merging(extra, uniquingKeysWith: { $1 })
        }
        switch command {
        case .executeCode(let c):
            var language = rec.selection.driverLanguage
            if let l = c.language, RuntimeSelector.canonical(l) != rec.selection.language {
                language = RuntimeSelector.canonical(l)
            }
            return .success(
                .execute(
                    ExecuteParams(
                        session: rec.id, handle: rec.handle, language: language, code: c.code,
                        timeoutMs: timeoutMs, stdin: c.stdin, env: env(c.env), stream: stream,
                        maxOutputBytes: config.maxOutputBytes)))
        case .shell(let s):
            let cwd: SandboxPath
            do throws(SandboxPathError) { cwd = try SandboxPath(s.workingDirectory ?? SandboxPath.mountPoint) } catch {
                return .failure(error.message)
            }
            return .success(
                .shell(
                    ShellParams(
                        session: rec.id, handle: rec.handle, command: s.command, args: s.args,
                        cwd: cwd.description, env: env(s.env), stdin: s.stdin, timeoutMs: timeoutMs,
                        stream: stream, maxOutputBytes: config.maxOutputBytes)))
        case .installPackages(let i):
            guard let manager = i.manager ?? rec.driver.capabilities?.packageManagers.first else {
                return .failure(
                    "The \(rec.selection.runtimeType) runtime has no package manager; install_packages is not supported"
                )
            }
            var requirements: String?
            if let file = i.requirementsFile {
                do throws(SandboxPathError) { requirements = try SandboxPath(file).description } catch {
                    return .failure(error.message)
                }
            }
            return .success(
                .install(
                    InstallParams(
                        session: rec.id, handle: rec.handle, manager: manager, packages: i.packages,
                        requirementsFile: requirements, global: i.global, flags: i.flags,
                        timeoutMs: timeoutMs, stream: stream)))
        default:
            return .failure("\(command.typeName) is not an execution")
        }
    }

    // MARK: execution slots

    func acquireSlot(_ sessionId: String, token: Int) async -> Bool {
        guard let rec = sessions[sessionId] else { return false }
        let limit = rec.options.stateful ? 1 : max(1, config.maxConcurrentExecutionsPerSession)
        if rec.activeExecutions < limit && rec.waiters.isEmpty {
            sessions[sessionId]!.activeExecutions += 1
            return true
        }
        return await withCheckedContinuation { c in sessions[sessionId]!.waiters.append((token, c)) }
    }

    /// Hands the slot to the next waiter, or frees it.
    func releaseSlot(_ sessionId: String) {
        guard sessions[sessionId] != nil else { return }
        if !sessions[sessionId]!.waiters.isEmpty {
            sessions[sessionId]!.waiters.removeFirst().continuation.resume(returning: true)
        } else {
            sessions[sessionId]!.activeExecutions -= 1
        }
    }
}
