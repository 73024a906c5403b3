import CSystem
import DriverKit
import DriverProtocol
import Glibc

/// `run` and `close`: each run opens the session (the first creates its cgroup `sbx-<session>`, later ones
/// reuse it), runs one command through `SandboxService`, and prints the result line; `close` destroys it.
enum SandboxTool {
    static let version = "0.1.0"
    static let cgroupPrefix = "sbx-"

    /// Exit status: 0 when a result line was printed, 1 on an internal failure (message on stderr).
    static func run(_ o: SandboxRunOptions) -> Int32 {
        guard geteuid() == 0 else { return fail("must run as root: it makes cgroups and switches to the session uid") }
        guard Sandbox.isAvailable else { return fail("bubblewrap not found at \(Sandbox.bwrapPath)") }
        // Every thread inherits the blocked mask (the spawner gives the child an empty one): one thread takes them.
        let cancel = CancelSignal()
        // A driver that dies (kill -9) must not leave its run behind: its death cancels the run too.
        let parent = getppid()
        _ = cs_set_parent_death_signal(SIGTERM)
        if getppid() != parent { cancel.fire() }
        OSThread.start {
            var set = cancelSignals, sig: Int32 = 0
            if sigwait(&set, &sig) == 0 { cancel.fire() }
        }
        var job = SandboxService.Job(
            command: o.command, cwd: o.cwd, timeoutMs: o.timeoutMs, maxOutputBytes: o.maxOutputBytes)
        job.env = o.env
        job.sharesWithRunner = false
        if let file = o.stdinFile {
            guard let bytes = readFile(file) else { return fail("cannot read --stdin-file \(file)") }
            job.stdin = bytes
        }
        let options = SessionOpenOptions(
            memoryLimitMB: o.memoryMB, pidsLimit: o.pids, network: o.network, uid: o.uid, gid: o.gid,
            cpuQuotaPercent: o.cpuPercent)
        let request = SessionOpenParams(session: o.session, workspace: o.workspace, options: options)
        let binds = o.readOnlyBinds.map { SandboxConfig.Bind($0[0], $0[1]) }
        do throws(DriverError) {
            let session = try SandboxService.open(request, readOnlyBinds: binds, cgroupPrefix: cgroupPrefix)
            // The cgroup and passwd files stay for the session's next run; the network is per run.
            defer { session.network?.close() }
            // Fail closed: a driver reports isolation 6 on the strength of these limits.
            guard let cgroup = session.cgroup else {
                return fail("cgroups unavailable: refusing to run without limits")
            }
            var onOutput: ProcessRunner.OutputHandler? = nil
            if o.stream { onOutput = { stream, text in printLine(outputEvent(stream, text)) } }
            let before = Set(cgroup.pids())
            let result = try SandboxService.runBlocking(job, in: session, onOutput: onOutput, cancel: cancel)
            waitForTeardown(of: cgroup, keeping: before)
            printLine(result.json)
            return 0
        } catch {
            return fail(error.message)
        }
    }

    /// bwrap has exited when the run returns, but the kernel tears the run's pid namespace down just after: wait
    /// (up to 5 s) until the processes the run started are gone, so that when the result line is out, nothing of the
    /// run is left (a fork bomb's processes no longer hold the session's pids). Runs of a session do not overlap
    /// (the protocol queues them), so any process that was not there before is this run's.
    static func waitForTeardown(of cgroup: SessionCgroup, keeping before: Set<Int32>) {
        for _ in 0..<500 where !Set(cgroup.pids()).subtracting(before).isEmpty { usleep(10_000) }
    }

    static let cancelSignals: sigset_t = {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }()

    static func blockCancelSignals() {
        var set = cancelSignals
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Kills what is left of the session and removes its cgroup and files; a session never run is fine.
    static func close(session: String) -> Int32 {
        let name = cgroupPrefix + session
        let removed = SessionCgroup.destroy(name: name)
        SandboxFiles.removeEtcDir(SandboxFiles.root + "/etc/" + name)
        return removed ? 0 : fail("the cgroup of session \(session) could not be removed (processes still exiting)")
    }

    /// A `--stream` line: `{"event":"output","stream":"stdout"|"stderr","text":"..."}`.
    static func outputEvent(_ stream: StdStream, _ text: String) -> JSONValue {
        var o = JSONObject()
        o["event"] = .string("output")
        o["stream"] = .string(stream.rawValue)
        o["text"] = .string(text)
        return .object(o)
    }

    static func printLine(_ value: JSONValue) {
        var bytes = JSONWriter.bytes(value)
        bytes.append(0x0A)
        _ = FD.writeAll(1, bytes)
    }

    static func fail(_ message: String) -> Int32 {
        _ = FD.writeAll(2, Array("codebeaker-sandbox: \(message)\n".utf8))
        return 1
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { FD.close(fd) }
        var out: [UInt8] = []
        while let chunk = FD.read(fd), !chunk.isEmpty { out += chunk }
        return out
    }
}
