import CSystem
import Foundation
import Glibc
import Testing

@testable import Host

private let promtoolPath = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { (p: String) in access(p, X_OK) == 0
}

@Suite struct MetricsTests {
    @Test func counterGaugeHistogram_Arithmetic() {
        let c = Counter(); c.increment(); c.increment(by: 4)
        #expect(c.current == 5)
        let g = Gauge(); g.increment(); g.increment(); g.decrement(); g.set(g.current + 0.5)
        #expect(g.current == 1.5)
        let h = Histogram(bounds: [0.1, 1])
        for v in [0.05, 0.1, 0.5, 2, 3] { h.observe(v) }
        let (cum, sum) = h.snapshot()
        #expect(cum == [2, 3, 5])  // le=0.1 includes 0.1 itself; +Inf counts all
        #expect(sum == 5.65)
    }

    @Test func render_ExactTextForASmallRegistry() {
        let r = MetricsRegistry()
        let c = r.counter(
            "t_requests_total", help: "Requests.\nSecond line \\ backslash.", labels: ["method", "outcome"])
        c.labels("a\"b", "line\nbreak\\").increment(by: 2)
        r.gauge("t_up", help: "Up.").labels([]).set(1)
        let h = r.histogram("t_seconds", help: "Durations.", buckets: [0.5, 1])
        h.labels([]).observe(0.25); h.labels([]).observe(3)
        let expected = """
            # HELP t_requests_total Requests.\\nSecond line \\\\ backslash.
            # TYPE t_requests_total counter
            t_requests_total{method="a\\"b",outcome="line\\nbreak\\\\"} 2
            # HELP t_up Up.
            # TYPE t_up gauge
            t_up 1
            # HELP t_seconds Durations.
            # TYPE t_seconds histogram
            t_seconds_bucket{le="0.5"} 1
            t_seconds_bucket{le="1"} 1
            t_seconds_bucket{le="+Inf"} 2
            t_seconds_sum 3.25
            t_seconds_count 2

            """
        #expect(PrometheusText.render(r) == expected)
    }

    @Test func unusedUnlabelledMetrics_RenderAsZero() {
        let r = MetricsRegistry()
        _ = r.counter("t_total", help: "x")
        #expect(PrometheusText.render(r).contains("\nt_total 0\n"))
    }

    @Test func labelledFamilies_CapTheirChildren() {
        let r = MetricsRegistry()
        let f = r.counter("t_total", help: "x", labels: ["k"], maxChildren: 3)
        for i in 0..<10 { f.labels("v\(i)").increment() }
        let kids = f.children()
        #expect(kids.count == 4)
        #expect(kids.last?.labels == ["_overflow"])
        #expect(kids.last?.child.current == 7)
    }

    @Test func predefinedMetrics_AreAllPresent() {
        let m = CodeBeakerMetrics()
        m.recordExecution(language: "python", runtime: "native", outcome: "success", seconds: 0.02)
        m.securityViolations.labels("forkBomb").increment()
        m.driverUp.labels("python").set(1)
        m.driverRestarts.labels("python").increment()
        m.rpcRequests.labels("session.execute", "ok").increment()
        let text = m.render()
        for name in [
            "codebeaker_executions_total{language=\"python\",runtime=\"native\",outcome=\"success\"} 1",
            "codebeaker_execution_duration_seconds_bucket{le=\"0.025\"} 1",
            "codebeaker_execution_duration_seconds_count 1",
            "codebeaker_active_sessions 0", "codebeaker_security_violations_total{kind=\"forkBomb\"} 1",
            "codebeaker_rate_limit_exceeded_total 0", "codebeaker_driver_up{driver=\"python\"} 1",
            "codebeaker_driver_restarts_total{driver=\"python\"} 1", "codebeaker_websocket_connections 0",
            "codebeaker_websocket_connections_total 0",
            "codebeaker_rpc_requests_total{method=\"session.execute\",outcome=\"ok\"} 1",
            "codebeaker_audit_write_failures_total 0",
        ] {
            #expect(text.contains(name + "\n"), "missing \(name)")
        }
    }

    @Test func concurrentUpdates_AreNotLost() async {
        let m = CodeBeakerMetrics()
        await withTaskGroup(of: Void.self) { g in
            for _ in 0..<8 {
                g.addTask {
                    for _ in 0..<10_000 {
                        m.rateLimitExceeded.increment(); m.activeSessions.increment();
                        m.executionDuration.labels([]).observe(1)
                    }
                }
            }
        }
        #expect(m.rateLimitExceeded.current == 80_000)
        #expect(m.activeSessions.current == 80_000)
        #expect(m.executionDuration.labels([]).snapshot().cumulative.last == 80_000)
    }

    /// `promtool check metrics` (Debian's `prometheus` package) must accept the exposition, including
    /// awkward label values. A declared skip where promtool is not installed (`scripts/setup.sh --test` installs it).
    @Test(.enabled(if: promtoolPath != nil, "promtool not installed (apt-get install -y prometheus)"))
    func promtool_AcceptsTheExposition() throws {
        let promtool = try #require(promtoolPath)
        let m = CodeBeakerMetrics()
        m.recordExecution(language: "python", runtime: "docker", outcome: "timeout", seconds: 31)
        m.recordExecution(language: "java\"script\\\n", runtime: "native", outcome: "success", seconds: 0.001)
        m.securityViolations.labels("package.url").increment()
        m.driverUp.labels("node").set(0)
        m.rpcRequests.labels("session.create", "-32029").increment()
        let (status, output) = try run(promtool, ["check", "metrics"], stdin: m.render())
        #expect(status == 0, "promtool said: \(output)")
        // And it can fail: a counter without the _total suffix and a bad line are reported.
        let (badStatus, _) = try run(promtool, ["check", "metrics"], stdin: "# TYPE x counter\nx{ 1\n")
        #expect(badStatus != 0)
    }

    /// Runs a program with `stdin` as its input; returns its exit status and combined output.
    func run(_ path: String, _ args: [String], stdin: String) throws -> (Int32, String) {
        let dir = NSTemporaryDirectory() + "promtool-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try stdin.write(toFile: dir + "/in", atomically: false, encoding: .utf8)
        let inFd = open(dir + "/in", O_RDONLY | O_CLOEXEC)
        let outFd = open(dir + "/out", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(inFd); close(outFd) }
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { for p in env { free(p) } }
        var opts = cs_spawn_opts(
            stdin_fd: inFd, stdout_fd: outFd, stderr_fd: outFd, cwd: nil, uid: -1, gid: -1,
            new_session: 0, no_new_privs: 1, die_with_parent: 1, cgroup_procs: nil, rlimits: nil, rlimit_count: 0,
            new_keyring: 0, oom_score_adj: CS_OOM_KEEP, memory_merge: 0, no_aslr: 0)
        var pid: pid_t = 0
        let err = cs_spawn(path, &argv, &env, &opts, &pid)
        guard err == 0 else { return (-1, "spawn failed: errno \(-err)") }
        var exited: Int32 = 0, code: Int32 = 0, signaled: Int32 = 0, sig: Int32 = 0
        _ = cs_wait(pid, 0, &exited, &code, &signaled, &sig)
        let out = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
        return (exited != 0 ? code : 128 + sig, out)
    }
}
