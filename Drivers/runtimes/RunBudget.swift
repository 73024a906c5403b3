import DriverProtocol

/// How a request's limits split between the compile and the run (docs/runtimes.md, "Limits"). The whole
/// execute stays within the request's `timeoutMs` (the host gives up on a driver soon after that): the compile
/// gets `limits.compileTimeoutMs` (default 60 s) capped by it, the run what is left, capped by the
/// manifest's `limits.timeoutMs`, and never less than a second.
struct RunBudget: Sendable, Equatable {
    static let defaultCompileTimeoutMs = 60_000
    static let minimumRunMs = 1_000

    var requestTimeoutMs: Int
    var limits: Manifest.Limits

    var compileTimeoutMs: Int { min(limits.compileTimeoutMs ?? Self.defaultCompileTimeoutMs, requestTimeoutMs) }

    func runTimeoutMs(compileSpentMs: Int) -> Int {
        let left = max(requestTimeoutMs - compileSpentMs, min(Self.minimumRunMs, requestTimeoutMs))
        return min(left, limits.timeoutMs ?? Int.max)
    }

    func maxOutputBytes(_ requested: Int) -> Int { min(requested, limits.maxOutputBytes ?? Int.max) }

    /// The session's cgroup limits: the tighter of the host's options and the manifest's.
    static func sessionOptions(_ o: SessionOpenOptions, _ l: Manifest.Limits) -> SessionOpenOptions {
        var o = o
        if let m = l.memoryMB { o.memoryLimitMB = min(o.memoryLimitMB, m) }
        if let p = l.pids { o.pidsLimit = min(o.pidsLimit, p) }
        return o
    }
}
