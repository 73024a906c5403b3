import DriverProtocol
import LinuxSystem

/// The kit's open session on the driver under test, and the `shell` runs the strict checks send through it.
/// Probes use `shell` (an argv, no language) so they work for any driver and any language it serves.
struct ConformanceSession {
    let h: ConformanceHarness
    var handle: String
    let language: String?
    /// The workspace as the kit (the host side) sees it.
    let workspace: String
    let isolation: Int
    let streaming: Bool

    struct Run {
        var id: Int
        var reply: (index: Int, message: JSONValue)?
        var elapsedMs: Int
    }

    /// Sends a `shell` request and returns its id.
    func send(
        _ command: String, _ args: [String] = [], cwd: String = "/workspace", timeoutMs: Int = 30_000,
        maxOutputBytes: Int = RunLimits.maxOutputBytes, stream: Bool = false
    ) -> Int {
        let p = ShellParams(
            session: ConformanceKit.sessionId, handle: handle, command: command, args: args, cwd: cwd,
            timeoutMs: timeoutMs, stream: stream, maxOutputBytes: maxOutputBytes)
        return h.send(ShellParams.method, p.json)
    }

    /// Sends an `execute` of `code` in the session's language and returns its id.
    func sendCode(_ code: String, timeoutMs: Int = 30_000) -> Int {
        let p = ExecuteParams(
            session: ConformanceKit.sessionId, handle: handle, language: language, code: code, timeoutMs: timeoutMs)
        return h.send(ExecuteParams.method, p.json)
    }

    /// Waits up to `wait` seconds for the reply to `id`, timing it from `started`.
    func reply(_ id: Int, started: Double, wait: Double) async -> Run {
        let r = await h.response(to: id, timeout: wait)
        return Run(id: id, reply: r, elapsedMs: Int((DriverClock.now() - started) * 1000))
    }

    /// `shell` and wait for its reply.
    func shell(
        _ command: String, _ args: [String] = [], cwd: String = "/workspace", timeoutMs: Int = 30_000,
        maxOutputBytes: Int = RunLimits.maxOutputBytes, stream: Bool = false, wait: Double = 60
    ) async -> Run {
        let started = DriverClock.now()
        let id = send(
            command, args, cwd: cwd, timeoutMs: timeoutMs, maxOutputBytes: maxOutputBytes, stream: stream)
        return await reply(id, started: started, wait: wait)
    }

    /// `sh -c script`.
    func sh(_ script: String, timeoutMs: Int = 30_000, wait: Double = 60) async -> Run {
        await shell("sh", ["-c", script], timeoutMs: timeoutMs, wait: wait)
    }

    /// A reply that did not come: the driver died or was too slow.
    func noReply(_ name: String, within seconds: Double) -> ConformanceCheck {
        .fail(name, h.noReply(within: Int(seconds.rounded(.up))))
    }
}

/// Processes on this machine, seen through /proc (a sandbox's and a container's processes are visible here).
enum ConformanceProcs {
    /// `pid N uid U: argv` of every process whose argv contains `marker` as a whole argument.
    static func matching(_ marker: String) -> [String] {
        FD.directoryNames("/proc").compactMap { pid -> String? in
            guard Int(pid) != nil else { return nil }
            let argv = FD.readText("/proc/\(pid)/cmdline").split(separator: "\0").map(String.init)
            return argv.contains(marker) ? describe(pid) : nil
        }
    }

    /// `pid N uid U state S: argv` (a zombie has an empty argv).
    static func describe(_ pid: String) -> String {
        let status = FD.readText("/proc/\(pid)/status").split(separator: "\n")
        let field = { (key: String) in
            status.first { $0.hasPrefix(key) }?.split(separator: "\t").dropFirst().first ?? "?"
        }
        let argv = FD.readText("/proc/\(pid)/cmdline").split(separator: "\0").joined(separator: " ")
        return "pid \(pid) uid \(field("Uid:")) state \(field("State:").prefix(1)): \(argv)"
    }

    /// `matching(marker)` once the processes had up to `seconds` to go (a driver may reap asynchronously).
    static func remaining(_ marker: String, within seconds: Double) async -> [String] {
        await remaining(within: seconds) { matching(marker) }
    }

    /// `find()` once it is empty or `seconds` have passed.
    static func remaining(within seconds: Double, _ find: () -> [String]) async -> [String] {
        let deadline = DriverClock.now() + seconds
        while true {
            let found = find()
            if found.isEmpty || DriverClock.now() >= deadline { return found }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
