import DriverKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How one run through cb-runner ended.
struct RunnerOutcome: Sendable {
    /// nil when the channel broke before the runner reported an exit (container gone).
    var exit: RunnerWire.Exit?
    var stdout: [UInt8]
    var stderr: [UInt8]
    var lostReason: String?
}

/// The attach stream to one session container's cb-runner: requests go out on stdin, frames come back on
/// stdout (inside Docker's 8-byte stream multiplexing). A dedicated thread reads and dispatches frames
/// to the runs waiting for them, so no Swift concurrency thread ever blocks on the socket.
final class RunnerChannel: Sendable {
    typealias OutputHandler = @Sendable (_ isStderr: Bool, _ bytes: [UInt8]) -> Void

    private final class Pending: @unchecked Sendable {
        // Touched only by the reader thread after registration (under `state`'s lock for hand-off).
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        let onOutput: OutputHandler?
        let continuation: CheckedContinuation<RunnerOutcome, Never>
        init(onOutput: OutputHandler?, continuation: CheckedContinuation<RunnerOutcome, Never>) {
            self.onOutput = onOutput; self.continuation = continuation
        }
    }

    private struct State {
        var pending: [UInt32: Pending] = [:]
        var brokenReason: String?
    }

    private let conn: EngineConnection
    private let state = Mutex(State())
    private let writeLock = Mutex(())
    private let nextId = Atomic<UInt32>(1)
    let containerId: String

    /// Takes ownership of a hijacked attach connection and starts its reader thread.
    init(containerId: String, connection: EngineConnection) {
        self.containerId = containerId
        self.conn = connection
        let me = self
        OSThread.start { me.readLoop() }
    }

    var isBroken: Bool { state.withLock { $0.brokenReason != nil } }

    /// Runs one process through cb-runner. Cancelling the calling task kills the run (its process group).
    func run(_ spec: RunnerWire.Run, viaForkServer: Bool = false, onOutput: OutputHandler? = nil) async -> RunnerOutcome
    {
        let id = nextId.wrappingAdd(1, ordering: .relaxed).oldValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<RunnerOutcome, Never>) in
                let broken = state.withLock { s -> String? in
                    if let r = s.brokenReason { return r }
                    s.pending[id] = Pending(onOutput: onOutput, continuation: c)
                    return nil
                }
                if let broken {
                    c.resume(returning: RunnerOutcome(exit: nil, stdout: [], stderr: [], lostReason: broken)); return
                }
                if let err = send(RunnerWire.encodeRun(id: id, spec, viaForkServer: viaForkServer)) { fail(err) }
            }
        } onCancel: {
            _ = send(RunnerWire.encodeKill(id: id))
        }
    }

    /// Sends a kill for every run in flight (session close with work still running).
    func killAll() {
        let ids = state.withLock { Array($0.pending.keys) }
        for id in ids { _ = send(RunnerWire.encodeKill(id: id)) }
    }

    /// Closes the stream; the reader thread then fails whatever is still pending.
    func close() {
        conn.shutdownWrite()
        _ = Glibc.shutdown(conn.fd, Int32(SHUT_RDWR))
    }

    private func send(_ bytes: [UInt8]) -> String? {
        writeLock.withLock { _ in
            do { try conn.write(bytes); return nil } catch { return "lost the session container's runner: \(error)" }
        }
    }

    private func readLoop() {
        var demux = StreamDemuxer()
        var decoder = RunnerWire.Decoder()
        var reason = "the session container stopped"
        // Bytes already read with the attach reply belong to the stream.
        var first = true
        loop: while true {
            if !first || conn.buffer.isEmpty {
                do {
                    if try conn.readMore() == 0 { break loop }
                } catch {
                    reason = "lost the session container: \(error)"
                    break loop
                }
            }
            first = false
            let chunk = conn.buffer
            conn.buffer.removeAll(keepingCapacity: true)
            var runnerBytes: [UInt8] = []
            let demuxFailure = chunk.withUnsafeBytes { buf -> StreamDemuxer.Failure? in
                do throws(StreamDemuxer.Failure) {
                    try demux.feed(buf) { stream, piece in
                        if stream == .stdout {
                            runnerBytes.append(contentsOf: piece)
                        } else if stream == .stderr {
                            DriverLog.warning(
                                "cb-runner[\(containerId.prefix(12))]: \(String(decoding: piece, as: UTF8.self))")
                        }
                    }
                    return nil
                } catch { return error }
            }
            if let demuxFailure { reason = "garbled stream from the session container: \(demuxFailure)"; break loop }
            do {
                for (id, event) in try decoder.feed(runnerBytes) { dispatch(id, event) }
            } catch {
                reason = "garbled runner frames from the session container: \(error)"
                break loop
            }
        }
        let orphans = state.withLock { s -> [Pending] in
            s.brokenReason = reason
            defer { s.pending.removeAll() }
            return Array(s.pending.values)
        }
        for p in orphans {
            p.continuation.resume(
                returning: RunnerOutcome(exit: nil, stdout: p.stdout, stderr: p.stderr, lostReason: reason))
        }
        conn.close()
    }

    private func dispatch(_ id: UInt32, _ event: RunnerWire.Event) {
        switch event {
        case .stdout(let b), .stderr(let b):
            guard let p = state.withLock({ $0.pending[id] }) else { return }
            let isErr: Bool
            if case .stderr = event {
                isErr = true; p.stderr.append(contentsOf: b)
            } else {
                isErr = false; p.stdout.append(contentsOf: b)
            }
            p.onOutput?(isErr, b)
        case .exit(let x):
            guard let p = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
            p.continuation.resume(
                returning: RunnerOutcome(exit: x, stdout: p.stdout, stderr: p.stderr, lostReason: nil))
        case .pong:
            break
        }
    }

    private func fail(_ reason: String) {
        close()
        _ = reason
    }
}
