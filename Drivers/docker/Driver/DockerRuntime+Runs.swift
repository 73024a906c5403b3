import DriverKit
import DriverProtocol
import Synchronization

/// execute and shell: runs through the session container's cb-runner (and the Python fork server).
extension DockerRuntime {
    /// Python sessions get a fork server (python's start is most of an execution's cost otherwise).
    func startForkServer(_ s: DockerSession) {
        guard s.language?.name == "python", config.forkServer else { return }
        let env = s.options.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        s.forkServer.start(
            on: s.container.channel, uid: UInt32(s.options.uid ?? config.defaultUid),
            gid: UInt32(s.options.gid ?? config.defaultGid), env: env)
    }

    func execute(_ request: ExecuteRequest, events: EventSink) async throws -> RunResult {
        let s = try session(request.session)
        guard let language = DockerLanguage.find(request.language) ?? s.language else {
            throw DriverError.invalidParams("field 'language' is required (this session was opened without one)")
        }
        guard await s.queue.acquire() else { return RunResult(cancelled: true, reason: "cancelled") }
        defer { s.queue.release() }
        let n = execCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        let path = "\(ContainerSpec.execDir)/cb_exec_\(n)\(language.fileExtension)"
        var env = s.options.env.merging(request.env) { _, new in new }
        if request.stream && language.name == "python" && env["PYTHONUNBUFFERED"] == nil {
            env["PYTHONUNBUFFERED"] = "1"
        }
        let spec = runSpec(
            s, argv: language.command(path), cwd: "/workspace", env: env, stdin: request.stdin,
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
        if let install = try shellInstall(request) { return try await runShellInstall(install, events: events) }
        let s = try session(request.session)
        guard await s.queue.acquire() else { return RunResult(cancelled: true, reason: "cancelled") }
        defer { s.queue.release() }
        let cwd = request.cwd.hasPrefix("/") ? request.cwd : "/workspace/\(request.cwd)"
        let env = s.options.env.merging(request.env) { _, new in new }
        let spec = runSpec(
            s, argv: [request.command] + request.args, cwd: cwd, env: env, stdin: request.stdin,
            timeoutMs: request.timeoutMs, maxOutput: request.maxOutputBytes, file: nil)
        return try await run(s, spec, timeoutMs: request.timeoutMs, events: events)
    }

    func session(_ id: String) throws(DriverError) -> DockerSession {
        guard let s = sessions.withLock({ $0[id] }) else { throw .sessionNotFound(id) }
        return s
    }

    func runSpec(
        _ s: DockerSession, argv: [String], cwd: String, env: [String: String], stdin: String?,
        timeoutMs: Int, maxOutput: Int, file: (String, [UInt8])?
    ) -> RunnerWire.Run {
        RunnerWire.Run(
            uid: UInt32(s.options.uid ?? config.defaultUid), gid: UInt32(s.options.gid ?? config.defaultGid),
            timeoutMs: UInt32(clamping: timeoutMs), maxOutput: UInt32(clamping: maxOutput), cwd: cwd,
            filePath: file?.0 ?? "", fileContent: file?.1 ?? [], stdin: stdin.map { Array($0.utf8) } ?? [],
            argv: argv,
            env: Self.packageEnv(s).merging(env) { _, user in user }
                .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
    }

    /// What install_packages put in the workspace is visible to every run: the venv's bin first on PATH (so
    /// `python3`/`pip` are the venv's once it exists) and VIRTUAL_ENV (the fork server adds its site-packages);
    /// node_modules for `require` from the code file in /tmp. The session's and request's env override these.
    static func packageEnv(_ s: DockerSession) -> [String: String] {
        let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        switch s.language?.name {
        case "python": return ["PATH": PipInstaller.venv + "/bin:" + path, "VIRTUAL_ENV": PipInstaller.venv]
        case "javascript":
            return [
                "PATH": "/workspace/node_modules/.bin:\(NpmInstaller.globalPrefix)/bin:" + path,
                "NODE_PATH": "/workspace/node_modules:\(NpmInstaller.globalPrefix)/lib/node_modules",
            ]
        default: return [:]
        }
    }

    static let forkServerGone = "fork server unavailable"

    func run(
        _ s: DockerSession, _ spec: RunnerWire.Run, timeoutMs: Int, events: EventSink,
        viaForkServer: Bool = false
    ) async throws -> RunResult {
        var c = s.container
        if c.channel.isBroken {
            let old = c
            // The attach stream broke (daemon restart?) but the container may still be there: attach again once.
            guard
                let again = try? await offPool({ [factory] in
                    try factory.reattach(id: old.id, image: old.image, slot: old.slot)
                })
            else {
                throw DriverError(
                    code: DriverWire.ErrorCode.sessionNotFound,
                    message: "session \(s.id): its container \(old.id.prefix(12)) is gone")
            }
            s.replaceChannel(again)
            c = again
        }
        let forwarder = OutputForwarder(events: events)
        let started = MonotonicClock.nowMs()
        let outcome = await c.channel.run(
            spec, viaForkServer: viaForkServer,
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
            oom =
                (try? await offPool { [engine] in try engine.inspectContainer(id)?["State"]?["OOMKilled"]?.bool ?? false
                }) ?? false
        }
        if outcome.exit == nil, Task.isCancelled { throw CancellationError() }
        return RunOutcomeMapper.result(
            outcome, timeoutMs: timeoutMs, durationMs: duration, oomKilled: oom,
            memoryMB: s.options.memoryLimitMB)
    }
}
