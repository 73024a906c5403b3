import DriverKit
import Synchronization

/// The per-session Python fork server's lifecycle (see PythonForkServer). Executions use it once it said
/// "ready"; until then, or after it died, they run the plain way (a new python process), so a missing
/// fork server only ever costs speed, never a result.
final class ForkServerState: Sendable {
    private enum Phase: Equatable { case idle, starting, ready }
    private struct State { var phase = Phase.idle; var failures = 0 }
    private let state = Mutex(State())
    static let maxFailures = 3

    var isReady: Bool { state.withLock { $0.phase == .ready } }

    /// Starts the server in the background unless it runs or failed too often.
    func start(on channel: RunnerChannel, uid: UInt32, gid: UInt32, env: [String]) {
        let go = state.withLock { s -> Bool in
            guard s.phase == .idle, s.failures < Self.maxFailures else { return false }
            s.phase = .starting
            return true
        }
        guard go else { return }
        let spec = RunnerWire.Run(uid: uid, gid: gid, timeoutMs: 0, maxOutput: 4096, cwd: "/tmp",
                                  filePath: PythonForkServer.scriptPath, fileContent: Array(PythonForkServer.script.utf8),
                                  argv: ["python3", PythonForkServer.scriptPath, PythonForkServer.socketPath], env: env)
        Task.detached { [self] in
            // Returns only when the server is gone (session closed, killed, crashed).
            let outcome = await channel.run(spec) { isStderr, bytes in
                if !isStderr, bytes.starts(with: Array("ready".utf8)) {
                    self.state.withLock { $0.phase = .ready }
                }
            }
            let err = String(decoding: outcome.stderr.prefix(500), as: UTF8.self)
            state.withLock { s in s.phase = .idle; s.failures += 1 }
            if !channel.isBroken {
                DriverLog.warning("python fork server in \(channel.containerId.prefix(12)) ended: \(outcome.lostReason ?? "exit \(outcome.exit?.exitCode ?? -1)") \(err)")
            }
        }
    }

    /// An 'F' run found no server: forget it (the next execution restarts it).
    func markGone() { state.withLock { s in if s.phase == .ready { s.phase = .idle } } }
}
