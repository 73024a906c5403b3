import DriverProtocol
import Glibc
import LinuxSystem

extension ConformanceKit {
    /// `env` must not show the variable the kit started the driver with.
    static func checkHostEnv(_ s: ConformanceSession, _ canary: ConformanceCanary) async -> ConformanceCheck {
        let run = await s.shell("env", wait: 30)
        guard let (_, r) = run.reply else { return s.noReply("no-host-env", within: 30) }
        return ConformanceVerdicts.canary(
            "no-host-env", r, canary: canary.envValue, what: "the driver's environment (\(ConformanceCanary.envName))")
    }

    /// `cat` of a world-readable file outside the workspace must not show its content.
    static func checkHostFiles(_ s: ConformanceSession, _ canary: ConformanceCanary) async -> ConformanceCheck {
        guard canary.directory != nil else { return .fail("no-host-files", "could not create the canary file") }
        let run = await s.shell("cat", [canary.file], wait: 30)
        guard let (_, r) = run.reply else { return s.noReply("no-host-files", within: 30) }
        return ConformanceVerdicts.canary("no-host-files", r, canary: canary.fileValue, what: canary.file)
    }

    /// The program connects to a listener on the host's 127.0.0.1 (bash's /dev/tcp, else a language snippet);
    /// the session was opened without network, so nothing may arrive.
    static func checkNetwork(_ s: ConformanceSession) async -> ConformanceCheck {
        let name = "no-network"
        guard let listener = ConformanceListener() else { return .fail(name, "could not listen on 127.0.0.1") }
        let port = listener.port
        let script =
            "if command -v bash >/dev/null 2>&1; then "
            + "bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(port)' 2>/dev/null && echo cbkit-connected; "
            + "else echo cbkit-no-bash; fi"
        var run = await s.sh(script, timeoutMs: 10_000, wait: 30)
        var how = "bash /dev/tcp"
        if let (_, r) = run.reply, r["result"]?["stdout"]?.string?.contains("cbkit-no-bash") == true {
            guard let code = ConformanceSnippets.connect(language: s.language, port: port) else {
                return .skip(name, "no bash in the sandbox and no connect snippet for \(s.language ?? "shell")")
            }
            how = "a \(s.language ?? "") snippet"
            let started = DriverClock.now()
            run = await s.reply(s.sendCode(code, timeoutMs: 10_000), started: started, wait: 30)
        }
        guard let (_, r) = run.reply else { return s.noReply(name, within: 30) }
        let arrived = listener.acceptAll()
        if arrived > 0 || r["result"]?["stdout"]?.string?.contains("cbkit-connected") == true {
            return .fail(name, "a session opened with network:false reached the host's 127.0.0.1:\(port) (\(how))")
        }
        return .pass(name, "127.0.0.1:\(port) unreachable (\(how))")
    }

    /// Starts processes that outlive their run (`nohup`, `setsid`, `&`); returns the marker to look for.
    static func startLeakers(_ s: ConformanceSession) async -> String {
        let m = marker()
        let script =
            "nohup sleep \(m) >/dev/null 2>&1 & (setsid sleep \(m) >/dev/null 2>&1 &); (sleep \(m) &); echo started"
        _ = await s.sh(script, timeoutMs: 10_000, wait: 30)
        return m
    }

    /// After `session.close`: no process of the run is left, and none runs as the session uid.
    static func checkNoLeak(marker m: String) async -> ConformanceCheck {
        let name = "no-leak"
        let all = await ConformanceProcs.remaining(within: 3) {
            Array(Set(ConformanceProcs.matching(m) + ConformanceProcs.owned(by: sessionUID))).sorted()
        }
        if all.isEmpty { return .pass(name, "no process of the session after close") }
        // The marked ones are the kit's own probes: do not leave them running on the machine.
        ConformanceProcs.kill(ConformanceProcs.matching(m))
        return .fail(
            name,
            "\(all.count) process(es) of the session outlived session.close: \(all.prefix(3).joined(separator: "; "))")
    }
}

extension ConformanceProcs {
    /// SIGKILL to the processes `describe` listed (only ever the kit's own marked probes).
    static func kill(_ described: [String]) {
        for line in described {
            if let pid = line.split(separator: " ").dropFirst().first.flatMap({ Int32($0) }) {
                _ = Glibc.kill(pid, SIGKILL)
            }
        }
    }

    /// `pid N uid U: argv` of every process whose real uid is `uid`.
    static func owned(by uid: UInt32) -> [String] {
        FD.directoryNames("/proc").compactMap { pid -> String? in
            guard Int(pid) != nil else { return nil }
            let line = FD.readText("/proc/\(pid)/status").split(separator: "\n").first { $0.hasPrefix("Uid:") }
            guard line?.split(separator: "\t").dropFirst().first == Substring(String(uid)) else { return nil }
            return describe(pid)
        }
    }
}
