import DriverKit
import DriverProtocol
import Foundation
import Glibc
import Synchronization
import Testing

@Suite(.serialized) struct ProcessRunnerTests {
    func sh(_ script: String, timeoutMs: Int? = nil, cap: Int = 1 << 20, stdin: String? = nil) -> ProcessSpec {
        var s = ProcessSpec(
            executable: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"])
        s.timeoutMs = timeoutMs
        s.maxOutputBytes = cap
        s.stdin = stdin.map { Array($0.utf8) }
        return s
    }

    @Test func exitCodeAndOutput_AreReported_NonZeroIsAResult() async throws {
        let r = try await ProcessRunner.run(sh("echo out; echo err >&2; exit 3"))
        #expect(r.exitCode == 3 && r.stdout == "out\n" && r.stderr == "err\n" && r.signal == nil && !r.timedOut)
    }

    @Test func signalDeath_ReportsSignalAndNoExitCode() async throws {
        let r = try await ProcessRunner.run(sh("kill -9 $$"))
        #expect(r.exitCode == nil && r.signal == 9 && r.reason?.contains("SIGKILL") == true)
    }

    @Test func timeout_KillsTheWholeTree() async throws {
        let pidFile = "/tmp/dk-timeout-\(getpid())"
        let start = MonotonicClock.nowMs()
        let r = try await ProcessRunner.run(
            sh("sh -c 'echo $$ > \(pidFile); exec sleep 30' & sleep 30", timeoutMs: 300))
        #expect(r.timedOut && r.reason == "timed out after 0.3 s")
        #expect(MonotonicClock.nowMs() - start < 3000)
        let text = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        let pid = try #require(Int32(text.trimmingCharacters(in: "\n")))
        // The grandchild must be dead (gone, or a zombie awaiting its reaper).
        var alive = true
        for _ in 0..<100 {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if stat.isEmpty || stat.contains(") Z ") { alive = false; break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!alive)
        unlink(pidFile)
    }

    @Test func outputCaps_TruncateEachStreamAndFlagIt() async throws {
        let r = try await ProcessRunner.run(
            sh("head -c 5000 /dev/zero | tr '\\0' a; head -c 10 /dev/zero | tr '\\0' b >&2", cap: 1000))
        #expect(r.stdout.utf8.count == 1000 && r.stdoutTruncated)
        #expect(r.stderr == "bbbbbbbbbb" && !r.stderrTruncated && r.truncated)
    }

    @Test func largeConcurrentStdoutAndStderr_DoNotDeadlock() async throws {
        // 1 MiB on each stream, interleaved; a reader that drained one pipe at a time would block the child.
        let r = try await ProcessRunner.run(
            sh(
                "i=0; while [ $i -lt 16 ]; do head -c 65536 /dev/zero; head -c 65536 /dev/zero >&2; i=$((i+1)); done",
                timeoutMs: 10_000, cap: 4 << 20))
        #expect(!r.timedOut && r.stdout.utf8.count == 1 << 20 && r.stderr.utf8.count == 1 << 20)
    }

    @Test func stdin_IsFedThenClosed() async throws {
        let big = String(repeating: "x", count: 200_000)
        let r = try await ProcessRunner.run(sh("wc -c", stdin: big))
        #expect(r.stdout.trimmingCharacters(in: " \n") == "200000")
    }

    @Test func invalidUTF8_IsReplaced() async throws {
        let r = try await ProcessRunner.run(sh("printf 'a\\377b'"))
        #expect(r.stdout == "a\u{FFFD}b")
    }

    @Test func streaming_DeliversChunksInOrder() async throws {
        let chunks = Mutex<[String]>([])
        let r = try await ProcessRunner.run(sh("for i in 1 2 3 4 5; do echo $i; sleep 0.01; done")) { s, t in
            if s == .stdout { chunks.withLock { $0.append(t) } }
        }
        #expect(chunks.withLock { $0.joined() } == r.stdout)
        #expect(r.stdout == "1\n2\n3\n4\n5\n")
        #expect(chunks.withLock { $0.count } >= 2)
    }

    @Test func cancellingTheTask_KillsTheProcess() async throws {
        let task = Task { try await ProcessRunner.run(sh("sleep 30", timeoutMs: 20_000)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let r = try await task.value
        #expect(r.cancelled && r.signal == 9)
    }

    @Test func missingExecutable_IsAnError() async {
        await #expect(throws: DriverError.self) {
            try await ProcessRunner.run(ProcessSpec(executable: "/nonexistent/bin"))
        }
    }
}

extension String {
    func trimmingCharacters(in chars: String) -> String {
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }
}
