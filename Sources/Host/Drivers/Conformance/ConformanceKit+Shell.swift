import DriverProtocol
import Glibc
import LinuxSystem

extension ConformanceKit {
    static func checkShellArgs(_ s: ConformanceSession) async -> ConformanceCheck {
        let run = await s.shell("printf", ["%s|", "a b", "c*", "$HOME", "'q'"], wait: 30)
        guard let (_, r) = run.reply else { return s.noReply("shell-args", within: 30) }
        return ConformanceVerdicts.shellArgs(r, expected: "a b|c*|$HOME|'q'|")
    }

    /// A command that is not on the sandbox's PATH; the driver must still answer ping afterwards.
    static func checkMissingCommand(_ s: ConformanceSession) async -> ConformanceCheck {
        let name = "shell-missing-command"
        let run = await s.shell("cbkit-no-such-command-\(marker())", wait: 30)
        guard let (_, r) = run.reply else { return s.noReply(name, within: 30) }
        let c = ConformanceVerdicts.missingCommand(r)
        if c.failed { return c }
        return await answersPing(s.h, timeout: 10) ? c : .fail(name, "no ping reply after a missing command")
    }

    /// `pwd` in a relative and an absolute cwd the kit made in the workspace, then in one that does not exist.
    static func checkCwd(_ s: ConformanceSession) async -> ConformanceCheck {
        let name = "shell-cwd"
        guard makeDirectory(s.workspace + "/cbkit-sub"), makeDirectory(s.workspace + "/cbkit-sub/dir") else {
            return .fail(name, "could not create a directory in the workspace")
        }
        let cases = [("cbkit-sub/dir", "/workspace/cbkit-sub/dir"), ("/workspace/cbkit-sub", "/workspace/cbkit-sub")]
        for (cwd, inside) in cases {
            let hostPath = s.workspace + inside.dropFirst("/workspace".count)
            let run = await s.shell("pwd", cwd: cwd, wait: 30)
            guard let (_, r) = run.reply else { return s.noReply(name, within: 30) }
            if let why = ConformanceVerdicts.cwd(r, cwd: cwd, inside: inside, hostPath: hostPath) {
                return .fail(name, why)
            }
        }
        let missing = "cbkit-missing-\(marker())"
        let run = await s.shell("pwd", cwd: missing, wait: 30)
        guard let (_, r) = run.reply else { return s.noReply(name, within: 30) }
        if let why = ConformanceVerdicts.missingCwd(r, cwd: missing) { return .fail(name, why) }
        return .pass(name, "relative and absolute cwd honoured, a missing cwd fails")
    }

    /// Three runs sent at once to the session: the second, still queued behind a 3 s sleep, is cancelled.
    static func checkQueuedCancel(_ s: ConformanceSession) async -> ConformanceCheck {
        let file = "cbkit-queued-\(marker())"
        let started = DriverClock.now()
        let first = s.send("sleep", ["3"])
        let queued = s.send("sh", ["-c", "echo ran > \(file)"])
        let last = s.send("echo", ["after-queue"])
        // Let the first start, so the second is waiting in the session's queue when the cancel comes.
        try? await Task.sleep(for: .milliseconds(500))
        let cancelReply = await s.h.call(CancelParams.method, CancelParams(request: queued).json, timeout: 10)
        let q = await s.reply(queued, started: started, wait: 30).reply
        let f = await s.reply(first, started: started, wait: 30).reply
        let l = await s.reply(last, started: started, wait: 30).reply
        return ConformanceVerdicts.queuedCancel(
            .init(
                first: f, queued: q, last: l, cancelReply: cancelReply,
                queuedRan: access(s.workspace + "/" + file, F_OK) == 0, lastExpected: "after-queue\n"))
    }

    /// A directory the session uid owns, as the host would make it.
    static func makeDirectory(_ path: String) -> Bool {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { return false }
        _ = chown(path, sessionUID, sessionUID)
        return true
    }

    /// A file the session uid owns, as the host's file commands would write it.
    static func writeFile(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else { return false }
        _ = fchown(fd, sessionUID, sessionUID)
        return true
    }
}
