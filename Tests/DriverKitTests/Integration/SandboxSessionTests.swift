import DriverKit
import DriverProtocol
import Foundation
import Testing

extension RealDrivers {
    /// The process-per-run path (what the deno and bun drivers use): a real bwrap sandbox with a cgroup.
    @Suite struct SandboxSessionTests {
        func open(_ ws: TestWorkspace, memoryMB: Int = 256, binds: [SandboxConfig.Bind] = []) throws -> SandboxSession {
            let req = try SessionOpenParams(json: ws.openParams("sbx-\(getpid())-\(ws.uid)", memoryMB: memoryMB))
            return try SandboxSession.open(req, readOnlyBinds: binds, cgroupPrefix: "test-")
        }

        @Test func run_ExecutesInsideTheSandboxAsTheSessionUser() async throws {
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try open(ws)
            defer { s.close() }
            #expect(s.cgroup != nil && s.isolationLevel == 6)
            let r = try await s.run(
                command: ["sh", "-c", "id -u; pwd; echo $HOME; cat /etc/shadow 2>&1; ls /root 2>&1; exit 5"],
                timeoutMs: 10_000, maxOutputBytes: 1 << 20, events: .discard())
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(lines.prefix(3) == [String(ws.uid), "/workspace", "/workspace"])
            #expect(r.stdout.contains("No such file") && r.exitCode == 5)
        }

        @Test func run_TimeoutKillsTheSandboxedTree() async throws {
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try open(ws)
            defer { s.close() }
            let start = MonotonicClock.nowMs()
            let r = try await s.run(
                command: ["sh", "-c", "sleep 30 & sleep 30"], timeoutMs: 300, maxOutputBytes: 1000, events: .discard())
            #expect(r.timedOut && MonotonicClock.nowMs() - start < 5000)
        }

        @Test func run_MemoryLimitKillsWithAnOutOfMemoryReason() async throws {
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try open(ws, memoryMB: 64)
            defer { s.close() }
            let r = try await s.run(
                command: ["python3", "-c", "a = []\nwhile True: a.append(bytearray(8 << 20))"],
                timeoutMs: 20_000, maxOutputBytes: 10_000, events: .discard())
            #expect(r.reason == "killed: out of memory (limit 64 MB)", "\(r)")
        }

        @Test func aForkBombInAOneOffJobLeavesTheSessionPidsToStartProcesses() async throws {
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try open(ws)
            defer { s.close() }
            let jobs = try #require(s.cgroup?.jobsPidsDir)
            let bomb = Task {
                // Holds every pid it can get (a classic bomb's processes die as fast as they fork).
                let hold =
                    "import os, time\nwhile True:\n    try:\n        if os.fork() == 0:\n            time.sleep(30); os._exit(0)\n"
                    + "    except OSError:\n        break\ntime.sleep(30)"
                return try await s.run(
                    command: ["python3", "-c", hold], timeoutMs: 8000, maxOutputBytes: 1000, events: .discard())
            }
            defer { bomb.cancel() }
            func read(_ file: String) -> Int {
                Int((try? String(contentsOfFile: jobs + "/" + file, encoding: .utf8))?.filter(\.isNumber) ?? "") ?? -1
            }
            let deadline = MonotonicClock.nowMs() + 5000
            while read("pids.current") < read("pids.max") && MonotonicClock.nowMs() < deadline { usleep(20_000) }
            #expect(read("pids.current") == read("pids.max"), "the bomb filled the jobs group")
            // What the session's runner does when it (re)starts or makes threads: it still can.
            let spec = Sandbox.processSpec(
                s.config, command: ["sh", "-c", "for i in 1 2 3 4 5 6; do sleep 0.2 & done; wait"],
                cgroup: s.cgroup)
            let r = try await ProcessRunner.run(spec)
            #expect(r.exitCode == 0 && !r.stderr.contains("fork"), "\(r)")
        }

        @Test func runtimeBinaries_AreCopiedWhereTheSandboxCanRunThem() async throws {
            let provided = try RuntimeBinaries.provide(name: "dk-test-true", executable: "/usr/bin/true")
            #expect(provided.sandboxExecutable == "/opt/runtimes/dk-test-true/true")
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try open(ws, binds: [provided.bind])
            defer { s.close() }
            let r = try await s.run(
                command: [provided.sandboxExecutable], timeoutMs: 10_000, maxOutputBytes: 1000, events: .discard())
            #expect(r.exitCode == 0, "\(r)")
        }

        @Test func streaming_SendsOutputEventsInOrder() async throws {
            let ws = TestWorkspace()
            defer { ws.remove() }
            let s = try open(ws)
            defer { s.close() }
            let seen = Locked<[JSONValue]>([])
            let sink = EventSink(requestId: 9, session: "x", streaming: true) { m in
                if case .notification(_, let p) = m { seen.withLock { $0.append(p) } }
            }
            let r = try await s.run(
                command: ["sh", "-c", "for i in 1 2 3; do echo $i; sleep 0.05; done"],
                timeoutMs: 10_000, maxOutputBytes: 1000, events: sink)
            let evs = seen.withLock { $0 }
            #expect(evs.map { $0["seq"]?.int ?? -1 } == Array(0..<evs.count))
            #expect(evs.compactMap { $0["data"]?.string }.joined() == r.stdout && r.stdout == "1\n2\n3\n")
        }
    }
}
