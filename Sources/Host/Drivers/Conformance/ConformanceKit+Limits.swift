import DriverProtocol
import LinuxSystem

extension ConformanceKit {
    /// A random whole-number argument for `sleep`, so the kit finds exactly its own processes in /proc.
    static func marker() -> String { String(Int.random(in: 100_000...999_999)) }

    /// `sleep` in the background and in the foreground with `timeoutMs` 1000: the reply comes soon after the
    /// timeout with `timedOut:true`, and neither sleep survives it.
    static func checkTimeout(_ s: ConformanceSession) async -> ConformanceCheck {
        let name = "timeout", timeoutMs = 1000, graceMs = 5000
        let m = marker()
        let run = await s.shell(
            "sh", ["-c", "sleep \(m) & sleep \(m); echo not-reached"], timeoutMs: timeoutMs,
            wait: Double(timeoutMs + graceMs + 1000) / 1000)
        guard let (_, r) = run.reply else {
            // Ignored: stop it so the session is usable for the next checks.
            _ = await s.h.call(CancelParams.method, CancelParams(request: run.id).json, timeout: 5)
            _ = await s.h.response(to: run.id, timeout: 10)
            _ = await ConformanceProcs.remaining(m, within: 2)
            return .fail(
                name,
                s.h.exit.map { "the driver \($0)" }
                    ?? "no reply \(run.elapsedMs) ms after a run with timeoutMs \(timeoutMs): the timeout is ignored")
        }
        let leftovers = await ConformanceProcs.remaining(m, within: 2)
        return ConformanceVerdicts.timeout(
            r, timeoutMs: timeoutMs, elapsedMs: run.elapsedMs, graceMs: graceMs, leftovers: leftovers)
    }

    /// 100 000 bytes on each stream with `maxOutputBytes` 1000.
    static func checkOutputCap(_ s: ConformanceSession) async -> ConformanceCheck {
        let cap = 1000
        let script = "yes a | head -c 100000; yes b | head -c 100000 >&2"
        let run = await s.shell("sh", ["-c", script], maxOutputBytes: cap, wait: 30)
        guard let (_, r) = run.reply else { return s.noReply("output-cap", within: 30) }
        return ConformanceVerdicts.outputCap(r, cap: cap)
    }

    /// 300 numbered lines on stdout and on stderr, alternating, streamed.
    static func checkOutputOrder(_ s: ConformanceSession) async -> ConformanceCheck {
        let n = 300
        let script = "i=0; while [ $i -lt \(n) ]; do echo o$i; echo e$i >&2; i=$((i+1)); done"
        let run = await s.shell("sh", ["-c", script], stream: s.streaming, wait: 30)
        guard let (index, r) = run.reply else { return s.noReply("output-order", within: 30) }
        let stdout = (0..<n).map { "o\($0)\n" }.joined(), stderr = (0..<n).map { "e\($0)\n" }.joined()
        return ConformanceVerdicts.outputOrder(
            r, index: index, events: s.h.events(for: run.id), stdout: stdout, stderr: stderr)
    }

    /// A shell that kills itself with SIGSEGV, then one with SIGKILL.
    static func checkSignalDeath(_ s: ConformanceSession) async -> ConformanceCheck {
        var notes: [String] = []
        for (sig, signame) in [(11, "SEGV"), (9, "KILL")] {
            let run = await s.sh("kill -\(signame) $$; echo survived", wait: 30)
            guard let (_, r) = run.reply else { return s.noReply("signal-death", within: 30) }
            let c = ConformanceVerdicts.signalDeath(r, signal: sig)
            if c.failed { return c }
            notes.append(c.detail)
        }
        return .pass("signal-death", notes.joined(separator: ", "))
    }
}
