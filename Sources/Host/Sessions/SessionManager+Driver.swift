import DriverProtocol

extension SessionManager {
    /// `session.open` params; `handle` is non-null when re-adopting after a driver restart.
    func openParams(_ rec: SessionRecord) -> JSONValue {
        let o = rec.options
        var env = JSONObject()
        for (k, v) in o.env.sorted(by: { $0.key < $1.key }) { env[k] = .string(v) }
        return ["session": .string(rec.id), "workspace": .string(rec.workspace.root), "language": .string(rec.selection.driverLanguage),
                "handle": rec.handle,
                "options": ["memoryLimitMB": .int(o.memoryLimitMB), "cpuShares": .int(o.cpuShares), "pidsLimit": .int(config.pidsLimit),
                            "network": .bool(o.network), "stateful": .bool(o.stateful), "uid": .int(Int(rec.uid)), "gid": .int(Int(rec.uid)),
                            "dockerImage": JSONValue(o.dockerImage), "permissions": o.permissions ?? .null, "env": .object(env),
                            "cpuQuotaPercent": .int(config.cpuQuotaPercent), "allSessionsMemoryMB": .int(config.allSessionsMemoryMB),
                            "idleCpuSeconds": .double(config.idleCpuSeconds)]]
    }

    /// Re-opens a session on its driver with its handle, once per driver restart: a session already opened on
    /// the running process is left alone (unless `force`: the driver said it lost it), and callers that
    /// ask while a re-open is in flight share it. Returns nil on success, else why not.
    func reopen(_ sessionId: String, force: Bool = false) async -> String? {
        guard let rec = sessions[sessionId] else { return "session closed" }
        if let inFlight = rec.reopening { return await inFlight.value }
        if !force, let opened = rec.openedGeneration, opened == rec.driver.generation {
            sessions[sessionId]?.needsReopen = false
            return nil
        }
        let driver = rec.driver, params = openParams(rec)
        let task = Task { () -> String? in
            do throws(DriverCallError) {
                let r = try await driver.call(DriverWire.Method.sessionOpen, params: params, onEvent: nil)
                if await !self.reopened(sessionId, result: r, generation: driver.generation) {
                    // Closed while it was being re-opened: the driver's new sandbox would be left behind.
                    _ = try? await driver.call(DriverWire.Method.sessionClose,
                                               params: ["session": .string(sessionId), "handle": r["handle"] ?? .null], onEvent: nil)
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

    private func reopened(_ sessionId: String, result r: JSONValue, generation: Int?) -> Bool {
        guard sessions[sessionId] != nil else { return false }
        sessions[sessionId]?.handle = r["handle"] ?? .null
        if let c = r["containerId"]?.string { sessions[sessionId]?.containerId = c }
        sessions[sessionId]?.needsReopen = false
        sessions[sessionId]?.openedGeneration = generation
        logger.info("session re-opened on restarted driver", ["session": sessionId, "driver": sessions[sessionId]?.driver.name ?? ""])
        return true
    }

    /// The supervisor restarted `driverName`: re-adopt its sessions (workspaces live on the host, so files survive).
    public func driverRestarted(_ driverName: String) async {
        let ids = sessions.filter { $0.value.driver.name == driverName }.map(\.key)
        for id in ids { sessions[id]?.needsReopen = true }
        for id in ids {
            if let problem = await reopen(id) {
                logger.warning("cannot re-open session after driver restart", ["session": id, "error": problem])
            }
        }
    }

    enum RequestBuild { case success((method: String, params: JSONValue)), failure(String) }

    /// The driver request for an execution command, with its paths mapped to `/workspace/...`.
    func driverRequest(_ command: SessionCommand, rec: SessionRecord, timeoutMs: Int, stream: Bool) -> RequestBuild {
        var base: JSONObject = ["session": .string(rec.id), "handle": rec.handle]
        func env(_ extra: [String: String]) -> JSONValue {
            var o = JSONObject()
            for (k, v) in rec.options.env.merging(extra, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) { o[k] = .string(v) }
            return .object(o)
        }
        switch command {
        case .executeCode(let c):
            var language = rec.selection.driverLanguage
            if let l = c.language, RuntimeSelector.canonical(l) != rec.selection.language { language = RuntimeSelector.canonical(l) }
            base["language"] = .string(language); base["code"] = .string(c.code); base["timeoutMs"] = .int(timeoutMs)
            base["stdin"] = JSONValue(c.stdin); base["env"] = env(c.env); base["stream"] = .bool(stream)
            base["maxOutputBytes"] = .int(config.maxOutputBytes)
            return .success((DriverWire.Method.execute, .object(base)))
        case .shell(let s):
            let cwd: WorkspacePath
            do throws(WorkspaceError) { cwd = try WorkspacePath(s.workingDirectory ?? WorkspacePath.mountPoint) } catch {
                return .failure(error.message)
            }
            base["command"] = .string(s.command); base["args"] = JSONValue(s.args); base["cwd"] = .string(cwd.description)
            base["env"] = env(s.env); base["stdin"] = JSONValue(s.stdin); base["timeoutMs"] = .int(timeoutMs)
            base["stream"] = .bool(stream); base["maxOutputBytes"] = .int(config.maxOutputBytes)
            return .success((DriverWire.Method.shell, .object(base)))
        case .installPackages(let i):
            guard let manager = i.manager ?? rec.driver.capabilities?.packageManagers.first else {
                return .failure("The \(rec.selection.runtimeType) runtime has no package manager; install_packages is not supported")
            }
            var req: JSONValue = .null
            if let file = i.requirementsFile {
                do throws(WorkspaceError) { req = .string(try WorkspacePath(file).description) } catch { return .failure(error.message) }
            }
            base["manager"] = .string(manager); base["packages"] = JSONValue(i.packages); base["requirementsFile"] = req
            base["global"] = .bool(i.global); base["flags"] = JSONValue(i.flags); base["timeoutMs"] = .int(timeoutMs)
            base["stream"] = .bool(stream)
            return .success((DriverWire.Method.install, .object(base)))
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
