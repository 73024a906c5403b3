import DriverKit
import Synchronization

/// The per-session Python fork server's lifecycle (see PythonForkServer). Executions use it once it said
/// "ready"; until then, or after it died, they run the plain way (a new python process), so a missing
/// fork server only ever costs speed, never a result. The transitions are `ForkServerLifecycle`'s.
final class ForkServerState: Sendable {
    /// What a (re)start needs; the latest request's, so a deferred restart uses the session's current channel.
    private struct Launch: Sendable {
        let channel: RunnerChannel
        let uid: UInt32, gid: UInt32
        let env: [String]
    }
    private struct State { var life = ForkServerLifecycle(); var launch: Launch? }
    private let state = Mutex(State())

    var isReady: Bool { state.withLock { $0.life.isReady } }

    /// Starts the server in the background unless it runs, failed too often, or the previous one has not
    /// ended yet (then it starts when that one's end is seen).
    func start(on channel: RunnerChannel, uid: UInt32, gid: UInt32, env: [String]) {
        let l = Launch(channel: channel, uid: uid, gid: gid, env: env)
        guard
            let generation = state.withLock({ s -> Int? in
                s.launch = l; return s.life.requestStart()
            })
        else { return }
        run(generation, l)
    }

    private func run(_ generation: Int, _ l: Launch) {
        let spec = RunnerWire.Run(
            uid: l.uid, gid: l.gid, timeoutMs: 0, maxOutput: 4096, cwd: "/tmp",
            filePath: PythonForkServer.scriptPath, fileContent: Array(PythonForkServer.script.utf8),
            argv: ["python3", PythonForkServer.scriptPath, PythonForkServer.socketPath], env: l.env)
        Task.detached { [self] in
            // Returns only when the server is gone (session closed, killed, crashed) and cb-runner removed its script.
            let outcome = await l.channel.run(spec) { isStderr, bytes in
                if !isStderr, bytes.starts(with: Array("ready".utf8)) {
                    self.state.withLock { $0.life.sawReady(generation) }
                }
            }
            let err = String(decoding: outcome.stderr.prefix(500), as: UTF8.self)
            let next = state.withLock { s -> (Int, Launch)? in
                guard let g = s.life.ended(generation), let launch = s.launch else { return nil }
                return (g, launch)
            }
            if !l.channel.isBroken {
                DriverLog.warning(
                    "python fork server in \(l.channel.containerId.prefix(12)) ended: \(outcome.lostReason ?? "exit \(outcome.exit?.exitCode ?? -1)") \(err)"
                )
            }
            if let (g, launch) = next { run(g, launch) }
        }
    }

    /// An 'F' run found no server: the next execution's start waits for the dead one's end.
    func markGone() {
        state.withLock { $0.life.markGone() }
    }
}
