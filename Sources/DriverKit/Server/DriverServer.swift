import Dispatch
public import DriverProtocol
import Glibc
import Synchronization

/// The driver side of docs/driver-protocol.md around a `DriverRuntime`: framing, handshake, dispatch of
/// concurrent requests, cancel, ping, shutdown and stdin EOF. Feed it bytes (`feed`, `finishInput`) or call
/// `run()` to serve the process's stdin/stdout.
public final class DriverServer: Sendable {
    public let runtime: any DriverRuntime
    private let writer: MessageWriter
    private let inFlight = InFlightRequests()
    /// Arrival order of each session's executions and shells (see `SessionOrder`).
    private let order = SessionOrder()
    private let framer: Mutex<LineFramer>
    private let stopping = Mutex(false)
    private let onExit: @Sendable (Int32) -> Void
    public static let supportedVersions = DriverWire.supportedVersions

    /// `onExit` is called once after shutdown (stdin EOF or `shutdown`); `run()` passes `exit`.
    public init(
        runtime: any DriverRuntime, writer: MessageWriter, maxLineBytes: Int = DriverWire.maxLineBytes,
        onExit: @escaping @Sendable (Int32) -> Void
    ) {
        self.runtime = runtime; self.writer = writer; self.onExit = onExit
        framer = Mutex(LineFramer(maxLineBytes: maxLineBytes))
        let notify: DriverNotifier.Sink = { [writer] method, params in
            _ = writer.send(.notification(method: method, params: params))
        }
        DriverNotifier.install(notify)
        runtime.attach(notify: notify)
    }

    /// Serves stdin/stdout until stdin EOF, then exits 0. fd 1 is moved to a private descriptor first and
    /// fd 1 pointed at stderr, so a stray print (ours or a library's) can never corrupt the protocol.
    public static func run(_ runtime: any DriverRuntime) -> Never {
        _ = signal(SIGPIPE, SIG_IGN)
        let out = fcntl(1, F_DUPFD_CLOEXEC, 3)
        _ = dup2(2, 1)
        let server = DriverServer(runtime: runtime, writer: MessageWriter(fd: out)) { code in exit(code) }
        // SIGTERM/SIGINT (the host's stop, after closing stdin) shut down like EOF: sessions are released.
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            _ = signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { server.finishInput() }
            src.resume()
            sources.append(src)
        }
        OSThread.start { server.readLoop(fd: 0) }
        while true { withExtendedLifetime(sources) { _ = pause() } }
    }

    /// Blocking read loop over `fd`; returns at EOF after starting shutdown.
    public func readLoop(fd: Int32) {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { p in Syscall.retrying { Glibc.read(fd, p.baseAddress!, p.count) } }
            if n <= 0 { break }
            feed(buf[0..<n])
        }
        finishInput()
    }

    public func feed(_ bytes: some Collection<UInt8>) {
        let items = framer.withLock { $0.feed(bytes) }
        for item in items {
            switch item {
            case .line(let line):
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                handle(line: line)
            case .tooLong(let n):
                let limit = framer.withLock { $0.maxLineBytes }
                writer.send(
                    .error(
                        id: nil, code: DriverWire.ErrorCode.parseError,
                        message: "line of \(n) bytes exceeds the \(limit) byte limit", data: nil))
            }
        }
    }

    /// stdin EOF: close every session and exit 0.
    public func finishInput() {
        Task { await self.shutdown(reply: nil) }
    }

    private func handle(line: [UInt8]) {
        let message: DriverMessage
        do {
            message = try DriverMessage(parsing: line)
        } catch {
            writer.send(
                .error(id: nil, code: DriverWire.ErrorCode.parseError, message: "parse error: \(error)", data: nil))
            return
        }
        switch message {
        case .request(let id, let method, let params):
            dispatch(id: id, method: method, params: params)
        case .notification(let method, let params):
            // A notification-style cancel is accepted too (no reply).
            if method == CancelParams.method, let c = try? CancelParams(json: params) { _ = inFlight.cancel(c.request) }
        case .result, .error:
            writer.send(
                .error(
                    id: nil, code: DriverWire.ErrorCode.invalidRequest,
                    message: "drivers accept requests only, got a response", data: nil))
        }
    }

    private func dispatch(id: Int, method: String, params: JSONValue) {
        switch method {
        case HandshakeParams.method:
            reply(id, Result { () throws(DriverError) in try handshake(params).json })
        case PingParams.method:
            writer.send(.result(id: id, result: EmptyReply().json))
        case CancelParams.method:
            do throws(WireError) {
                let target = try CancelParams(json: params).request
                writer.send(.result(id: id, result: CancelReply(cancelled: inFlight.cancel(target)).json))
            } catch {
                reply(id, .failure(DriverError(error)))
            }
        case ShutdownParams.method:
            Task { await self.shutdown(reply: id) }
        default:
            let session = Self.ordered.contains(method) ? params["session"]?.string : nil
            let started = inFlight.start(id) { [self] in
                let result: Result<JSONValue, DriverError>
                if let session, await !order.turn(session, id: id) {
                    result = .success(RunResult(cancelled: true, reason: "cancelled").json)  // cancelled in the line
                } else {
                    result = await perform(id: id, method: method, params: params)
                }
                if let session { order.leave(session, id: id) }
                let wasCancelled = inFlight.finish(id)
                switch result {
                case .success(let v): writer.send(.result(id: id, result: v))
                case .failure(let e) where wasCancelled && e.code == DriverWire.ErrorCode.internalError:
                    writer.send(.error(id: id, code: DriverWire.ErrorCode.cancelled, message: "cancelled", data: nil))
                case .failure(let e): writer.send(.error(id: id, code: e.code, message: e.message, data: e.data))
                }
            }
            if started, let session { order.arrive(session, id: id) }
            if !started {
                writer.send(
                    .error(
                        id: id, code: DriverWire.ErrorCode.invalidRequest,
                        message: "request id \(id) is already in flight", data: nil))
            }
        }
    }

    /// Methods that run in a session's line, one at a time in arrival order.
    static let ordered: Set<String> = [ExecuteParams.method, ShellParams.method]

    private func perform(id: Int, method: String, params: JSONValue) async -> Result<JSONValue, DriverError> {
        do {
            switch method {
            case SessionOpenParams.method:
                return .success(try await runtime.openSession(SessionOpenParams(json: params)).json)
            case SessionCloseParams.method:
                await runtime.closeSession(try SessionCloseParams(json: params))
                return .success(SessionCloseReply(closed: true).json)
            case ExecuteParams.method:
                let p = try ExecuteParams(json: params)
                let sink = events(id, session: p.session, stream: p.stream)
                return .success(
                    try await runtime.executeReply(ExecuteRequest(requestId: id, params: p), events: sink).json)
            case ShellParams.method:
                let p = try ShellParams(json: params)
                let sink = events(id, session: p.session, stream: p.stream)
                return .success(try await runtime.shell(ShellRequest(requestId: id, params: p), events: sink).json)
            case InstallParams.method:
                let p = try InstallParams(json: params)
                let sink = events(id, session: p.session, stream: p.stream)
                return .success(try await runtime.install(InstallRequest(requestId: id, params: p), events: sink).json)
            default:
                // A driver's own method (not part of the wire): its params are its own, so no streaming.
                let sink = events(id, session: nil, stream: false)
                return .success(try await runtime.handle(method: method, params: params, events: sink))
            }
        } catch let e as WireError {
            return .failure(DriverError(e))
        } catch let e as DriverError {
            return .failure(e)
        } catch is CancellationError {
            return .failure(.cancelled())
        } catch {
            DriverLog.error("\(method) failed: \(error)")
            return .failure(.internal("internal driver error: \(error)"))
        }
    }

    private func events(_ id: Int, session: String?, stream: Bool) -> EventSink {
        EventSink(requestId: id, session: session, streaming: stream) { [writer] in writer.send($0) }
    }

    private func handshake(_ params: JSONValue) throws(DriverError) -> HandshakeReply {
        let offered: HandshakeParams
        do throws(WireError) { offered = try HandshakeParams(json: params) } catch { throw DriverError(error) }
        let versions = offered.protocolVersions
        guard let v = Set(versions).intersection(Self.supportedVersions).max() else {
            throw DriverError(
                code: DriverWire.ErrorCode.versionMismatch,
                message: "protocol version mismatch: host speaks \(versions), driver speaks \(Self.supportedVersions)")
        }
        return HandshakeReply(
            protocolVersion: v, driver: PeerInfo(name: runtime.name, version: runtime.version),
            capabilities: runtime.capabilities())
    }

    private func reply(_ id: Int, _ r: Result<JSONValue, DriverError>) {
        switch r {
        case .success(let v): writer.send(.result(id: id, result: v))
        case .failure(let e): writer.send(.error(id: id, code: e.code, message: e.message, data: e.data))
        }
    }

    private func shutdown(reply id: Int?) async {
        let first = stopping.withLock { s in
            defer { s = true }; return !s
        }
        guard first else {
            if let id { writer.send(.result(id: id, result: EmptyReply().json)) }
            return
        }
        for t in inFlight.cancelAll() { await t.value }
        await runtime.shutdown()
        if let id { writer.send(.result(id: id, result: EmptyReply().json)) }
        onExit(0)
    }
}
