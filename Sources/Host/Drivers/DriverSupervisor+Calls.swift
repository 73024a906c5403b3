public import DriverProtocol
import Glibc
import LinuxSystem
import Synchronization

extension DriverSupervisor {
    public func call(
        _ method: String, params: JSONValue,
        onEvent: (@Sendable (_ method: String, _ params: JSONValue) -> Void)?
    ) async throws(DriverCallError) -> JSONValue {
        let generation = try await readyGeneration()
        let timeout =
            DriverWire.callTimeoutMs(in: params).map { Double($0) / 1000 + config.callGrace }
            ?? config.defaultCallTimeout
        switch await request(
            method, params, generation: generation, timeout: timeout, cancellable: true, onEvent: onEvent)
        {
        case .success(let v): return v
        case .failure(let e): throw e
        }
    }

    /// The generation of the ready process; waits up to `readyWait` while the driver is starting or restarting.
    func readyGeneration() async throws(DriverCallError) -> Int {
        let deadline = DriverClock.now() + config.readyWait
        while true {
            let (phase, generation) = state.withLock { ($0.phase, $0.generation) }
            switch phase {
            case .ready:
                return generation
            case .failed(let reason):
                throw DriverCallError(.unavailable, "\(name) driver failed: \(reason)")
            case .unresponsive(let reason):
                // Fail fast: it may answer again, or be killed and restarted within seconds; waiting helps nobody.
                throw DriverCallError(.unavailable, "\(name) driver is unresponsive (\(reason)); try again shortly")
            case .unavailable(let reason, let hint):
                throw DriverCallError(
                    .unavailable, "\(name) runtime unavailable: \(reason)" + (hint.map { " (\($0))" } ?? ""))
            case .starting, .restarting:
                if DriverClock.now() >= deadline {
                    let why = state.withLock { $0.lastError }.map { " (last error: \($0))" } ?? ""
                    throw DriverCallError(
                        .unavailable,
                        "\(name) driver is still \(phase.name) after \(RestartTracker.format(config.readyWait)) s\(why)"
                    )
                }
                if Task.isCancelled { throw DriverCallError(.cancelled, "cancelled") }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Sends one request to process `generation` and waits for its response (or crash, timeout, cancel).
    func request(
        _ method: String, _ params: JSONValue, generation: Int, timeout: Double?, cancellable: Bool,
        onEvent: EventHandler?
    ) async -> Result<JSONValue, DriverCallError> {
        let id = state.withLock { s -> Int in
            defer { s.nextId += 1 }; return s.nextId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Result<JSONValue, DriverCallError>, Never>) in
                let process = state.withLock { s -> DriverProcess? in
                    guard s.generation == generation, let p = s.process, s.latch?.value == nil, !s.shuttingDown else {
                        return nil
                    }
                    s.pending[id] = Pending(method: method, onEvent: onEvent, continuation: c)
                    return p
                }
                guard let process else {
                    c.resume(returning: .failure(DriverCallError(.unavailable, "\(name) driver is not running")))
                    return
                }
                if let timeout {
                    let timer = Task {
                        try? await Task.sleep(for: .seconds(timeout))
                        if Task.isCancelled { return }
                        let what = method == DriverWire.Method.handshake ? "the handshake" : method
                        if self.complete(
                            id,
                            .failure(
                                DriverCallError(
                                    .timedOut,
                                    "\(self.name) driver did not answer \(what) within \(RestartTracker.format(timeout)) s"
                                ))),
                            cancellable
                        {
                            self.sendCancel(for: id)
                        }
                    }
                    let orphan = state.withLock { s -> Bool in
                        guard s.pending[id] != nil else { return true }
                        s.pending[id]?.timer = timer
                        return false
                    }
                    if orphan { timer.cancel() }
                }
                if !process.send(DriverMessage.request(id: id, method: method, params: params).line) {
                    complete(id, .failure(DriverCallError(.unavailable, "\(name) driver is not accepting input")))
                }
                if cancellable && Task.isCancelled { cancelRequest(id) }
            }
        } onCancel: {
            if cancellable { self.cancelRequest(id) }
        }
    }

    /// Resolves a pending request once; false if it was already resolved.
    @discardableResult
    func complete(_ id: Int, _ result: Result<JSONValue, DriverCallError>) -> Bool {
        guard let p = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return false }
        p.timer?.cancel()
        p.continuation.resume(returning: result)
        return true
    }

    /// The calling Task was cancelled: ask the driver to stop the request, and stop waiting if it never answers.
    func cancelRequest(_ id: Int) {
        let first = state.withLock { s -> Bool in
            guard s.pending[id] != nil, s.pending[id]?.cancelSent == false else { return false }
            s.pending[id]?.cancelSent = true
            return true
        }
        guard first else { return }
        sendCancel(for: id)
        let grace = config.cancelGrace
        Task {
            try? await Task.sleep(for: .seconds(grace))
            self.complete(
                id,
                .failure(
                    DriverCallError(
                        .cancelled,
                        "cancelled; \(self.name) driver did not confirm within \(RestartTracker.format(grace)) s")))
        }
    }

    /// Fire-and-forget `cancel {request}`; its reply matches no pending id and is dropped.
    func sendCancel(for id: Int) {
        let (process, cancelId) = state.withLock { s -> (DriverProcess?, Int) in
            defer { s.nextId += 1 }
            return (s.latch?.value == nil ? s.process : nil, s.nextId)
        }
        process?.send(
            DriverMessage.request(id: cancelId, method: CancelParams.method, params: CancelParams(request: id).json)
                .line)
    }

    /// One stdout line of process `generation` (runs on its I/O thread, so events keep their order and come
    /// before the response that follows them).
    func handleLine(_ item: LineFramer.Item, generation: Int) {
        guard case .line(let bytes) = item else {
            if case .tooLong(let n) = item { logger.warning("driver sent a \(n)-byte line, over the limit; skipped") }
            return
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        let message: DriverMessage
        do { message = try DriverMessage(parsing: bytes) } catch {
            let shown = String(decoding: bytes.prefix(200), as: UTF8.self)
            logger.warning("non-protocol output on stdout: \(shown)")
            let kill = state.withLock { s -> DriverProcess? in
                guard s.generation == generation, !s.handshakeDone, s.killReason == nil else { return nil }
                s.killReason = "wrote non-protocol output to stdout: \"\(shown)\""
                return s.process
            }
            kill?.signal(SIGKILL)
            return
        }
        switch message {
        case .result(let id, let result):
            complete(id, .success(result))
        case .error(let id?, let code, let msg, _):
            let kind: DriverCallError.Kind = code == DriverWire.ErrorCode.cancelled ? .cancelled : .remote(code: code)
            complete(id, .failure(DriverCallError(kind, msg)))
        case .error(nil, let code, let msg, _):
            logger.warning("driver reported error \(code) without an id: \(msg)")
        case .notification(DriverWire.Event.capabilitiesChanged, let params):
            capabilitiesChanged(params, generation: generation)
        case .notification(DriverWire.Event.sessionLost, let params):
            guard let session = params["session"]?.string else { return }
            let reason = params["reason"]?.string ?? "its runner died"
            logger.info("session lost its runner", ["session": session, "reason": reason])
            let handlers = state.withLock { $0.sessionLostHandlers }
            Task { for h in handlers { await h(session, reason) } }
        case .notification(let method, let params):
            guard let rid = DriverEvent.requestId(in: params),
                let handler = state.withLock({ $0.pending[rid]?.onEvent })
            else { return }
            handler(method, params)
        case .request(_, let method, _):
            logger.warning("driver sent a request (\(method)); drivers may not call the host, ignored")
        }
    }

    /// `capabilities.changed` from the running process after its handshake: the new capabilities replace the
    /// handshake's (languages added by a new runtime manifest, docs/driver-protocol.md). Malformed ones are ignored.
    func capabilitiesChanged(_ params: JSONValue, generation: Int) {
        guard let caps = params["capabilities"].flatMap({ DriverCapabilities(json: $0) }) else {
            logger.warning("capabilities.changed without valid capabilities; ignored")
            return
        }
        let applied = state.withLock { s -> Bool in
            guard s.generation == generation, s.handshakeDone else { return false }
            s.capabilities = caps
            return true
        }
        if applied {
            logger.info("capabilities changed", ["languages": caps.languages.map(\.name).joined(separator: ",")])
        }
    }
}
