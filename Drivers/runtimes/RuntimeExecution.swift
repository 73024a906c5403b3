import DriverKit
import DriverProtocol
import LinuxSystem
import Synchronization

/// One `execute`: write the source to `{dir}`, compile when the manifest has a compile step (or reuse the
/// session's cached compile), then run with cwd /workspace. The reply carries `phase` and, for compiled
/// languages, `compileCached` (docs/runtimes.md, "Execute replies").
struct RuntimeExecution: Sendable {
    let manifest: Manifest
    let toolchain: String
    let session: RuntimeSession

    func run(_ request: ExecuteRequest, events: EventSink) async throws(DriverError) -> RunReply {
        let budget = RunBudget(requestTimeoutMs: request.timeoutMs, limits: manifest.limits)
        let maxOutput = budget.maxOutputBytes(request.maxOutputBytes)
        let env = manifest.env.merging(request.env) { _, new in new }
        session.build.prune(keep: Set(session.cache.withLock { $0.entries.map(\.dirName) }))
        guard let compile = manifest.compile else {
            let dir = try session.build.freshSubdirectory("run")
            let p = Placeholders(dir: RuntimeSandbox.buildMount + "/run", sourceName: manifest.source)
            try session.build.writeSource(request.code, to: dir + "/" + manifest.source)
            let r = try await session.sandbox.run(
                p.apply(manifest.run), cwd: "/workspace", env: env, stdin: request.stdin,
                timeoutMs: budget.runTimeoutMs(compileSpentMs: 0), maxOutputBytes: maxOutput, events: events)
            return RunReply(run: r, extra: ["phase": "run"])
        }
        let key = CompileCache.Key(source: Array(request.code.utf8), argv: compile, toolchain: toolchain)
        let build = session.build
        let hit = session.cache.withLock { $0.hit(key) { build.listing($0) } }
        let dirName = hit?.dirName ?? session.cache.withLock { $0.directory(for: key) }
        let p = Placeholders(dir: RuntimeSandbox.buildMount + "/" + dirName, sourceName: manifest.source)
        var spentMs = 0
        if hit == nil {
            session.cache.withLock { $0.forget(key) }
            let dir = try build.freshSubdirectory(dirName)
            try build.writeSource(request.code, to: dir + "/" + manifest.source)
            // Compiler output is not streamed: it is the reply's stderr when the compile fails.
            let c = try await session.sandbox.run(
                p.apply(compile), cwd: p.dir, env: env, stdin: nil, timeoutMs: budget.compileTimeoutMs,
                maxOutputBytes: maxOutput, events: .discard(requestId: request.requestId))
            spentMs = c.durationMs
            guard c.succeeded else { return Self.compileFailure(c, timeoutMs: budget.compileTimeoutMs) }
            let evicted = session.cache.withLock { $0.store(key, dirName: dirName, listing: build.listing(dirName)) }
            for e in evicted { build.removeTree(build.path + "/" + e) }
        }
        let r = try await session.sandbox.run(
            p.apply(manifest.run), cwd: "/workspace", env: env, stdin: request.stdin,
            timeoutMs: budget.runTimeoutMs(compileSpentMs: spentMs), maxOutputBytes: maxOutput, events: events)
        return RunReply(run: r, extra: ["phase": "run", "compileCached": .bool(hit != nil)])
    }

    /// A failed compile as a normal failed result: the compiler's output (stdout, then stderr) in stderr.
    static func compileFailure(_ c: RunResult, timeoutMs: Int) -> RunReply {
        var r = c
        r.stderr = c.stdout + c.stderr
        r.stderrTruncated = c.stdoutTruncated || c.stderrTruncated
        r.stdout = ""
        r.stdoutTruncated = false
        if r.exitCode == 0 && !r.timedOut && !r.cancelled && r.signal == nil { r.exitCode = 1 }
        if r.timedOut {
            r.reason =
                "compile timed out after \(timeoutMs % 1000 == 0 ? "\(timeoutMs / 1000)" : "\(Double(timeoutMs) / 1000)") s"
        } else if let reason = c.reason {
            r.reason = "compile: " + reason
        } else if let code = c.exitCode {
            r.reason = "compile failed (exit \(code))"
        }
        return RunReply(run: r, extra: ["phase": "compile", "compileCached": false])
    }
}
