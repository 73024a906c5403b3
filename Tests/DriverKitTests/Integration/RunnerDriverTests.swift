import DriverKit
import DriverProtocol
import Foundation
import Testing

/// The real python and node drivers over pipes: protocol, execution semantics, streaming, cancel, state.
extension RealDrivers {
    @Suite struct RunnerDriverTests {
        /// A driver with one open session on a fresh workspace.
        func open(_ rc: RuntimeCase, stateful: Bool = false, env: [String: String] = [:]) throws -> (
            DriverProcess, TestWorkspace
        ) {
            let d = try DriverProcess(rc.driver, env: env)
            let ws = TestWorkspace()
            _ = d.handshake()
            _ = d.result("session.open", ws.openParams("s1", stateful: stateful))
            return (d, ws)
        }

        func exec(_ d: DriverProcess, _ code: String, _ extra: JSONObject = [:], timeoutMs: Int = 30_000) -> JSONValue?
        {
            var p: JSONObject = ["session": "s1", "code": .string(code)]
            for (k, v) in extra { p[k] = v }
            return d.result("execute", .object(p), timeoutMs: timeoutMs)
        }

        @Test(arguments: RuntimeCase.all)
        func handshake_ReportsAvailableRuntimeWithLanguages(_ rc: RuntimeCase) throws {
            let d = try DriverProcess(rc.driver)
            let r = try #require(d.handshake())
            #expect(r["protocolVersion"] == 1)
            #expect(r["driver"]?["name"] == .string(rc.driver))
            #expect(r["capabilities"]?["available"] == true)
            #expect(r["capabilities"]?["languages"]?.array?.isEmpty == false)
        }

        @Test(arguments: RuntimeCase.all)
        func execute_ReturnsOutputAndExitCode(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            let r = try #require(exec(d, rc.printOne))
            #expect(r["stdout"] == "1\n" && r["exitCode"] == 0 && r["timedOut"] == false)
            let e = try #require(exec(d, rc.exitThree))
            #expect(e["exitCode"] == 3)
            #expect(d.nonProtocolLines.isEmpty)
        }

        @Test(arguments: RuntimeCase.all)
        func stdinAndEnv_ArePassedThrough(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            #expect(exec(d, rc.readStdinUpper, ["stdin": "hello"])?["stdout"] == "HELLO")
            #expect(exec(d, rc.printEnvFoo, ["env": ["FOO": "bar"]])?["stdout"] == "bar\n")
        }

        @Test(arguments: RuntimeCase.all)
        func defaultMode_IsAFreshProgramPerCall(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            _ = exec(d, rc.setX)
            let r = try #require(exec(d, rc.printX))
            #expect(r["exitCode"] == 1)
            #expect(r["stderr"]?.string?.contains("x") == true)
        }

        @Test(arguments: RuntimeCase.all)
        func statefulMode_KeepsVariablesBetweenCalls(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc, stateful: true)
            defer { ws.remove() }
            _ = exec(d, rc.setX)
            #expect(exec(d, rc.printX)?["stdout"] == "10\n")
        }

        @Test(arguments: RuntimeCase.all)
        func streaming_SendsOrderedChunksBeforeTheResponse(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            let id = d.send("execute", ["session": "s1", "code": .string(rc.streamFive), "stream": true])
            guard case .result(_, let r)? = d.wait(id) else { Issue.record("no result"); return }
            let evs = d.events[id] ?? []
            #expect(evs.count >= 2)
            #expect(evs.map { $0["seq"]?.int ?? -1 } == Array(0..<evs.count))
            #expect(evs.compactMap { $0["data"]?.string }.joined() == r["stdout"]?.string)
            #expect(r["stdout"] == "1\n2\n3\n4\n5\n")
        }

        @Test(arguments: RuntimeCase.all)
        func cancel_StopsTheExecution_AndTheSessionKeepsWorking(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            let start = MonotonicClock.nowMs()
            let id = d.send("execute", ["session": "s1", "code": .string(rc.sleepLong)])
            usleep(300_000)
            #expect(
                d.call("cancel", ["request": .int(id)]).map {
                    if case .result(_, let r) = $0 { return r["cancelled"] == true } else { return false }
                } == true)
            guard case .result(_, let r)? = d.wait(id) else { Issue.record("no result"); return }
            #expect(r["cancelled"] == true)
            #expect(MonotonicClock.nowMs() - start < 5000)
            #expect(exec(d, rc.printOne)?["stdout"] == "1\n")
            // A late cancel is harmless.
            if case .result(_, let late)? = d.call("cancel", ["request": .int(id)]) {
                #expect(late["cancelled"] == false)
            }
        }

        @Test(arguments: RuntimeCase.all)
        func cancel_WhileTheRunnerIsStillStarting_AnswersAtOnce(_ rc: RuntimeCase) throws {
            let d = try DriverProcess(rc.driver)
            let ws = TestWorkspace()
            defer { ws.remove() }
            _ = d.handshake()
            _ = d.result("session.open", ws.openParams("s1"))  // returns before the runner is up
            let start = MonotonicClock.nowMs()
            let id = d.send("execute", ["session": "s1", "code": .string(rc.sleepLong)])
            usleep(20_000)
            _ = d.send("cancel", ["request": .int(id)])
            guard case .result(_, let r)? = d.wait(id) else { Issue.record("no result"); return }
            #expect(r["cancelled"] == true)
            #expect(MonotonicClock.nowMs() - start < 3000)
            #expect(d.result("execute", ["session": "s1", "code": .string(rc.printOne)])?["stdout"] == "1\n")
        }

        @Test(arguments: RuntimeCase.all)
        func timeout_KillsTheRun_AndTheNextRunWorks(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            let r = try #require(exec(d, rc.infiniteLoop, ["timeoutMs": 500]))
            #expect(r["timedOut"] == true && r["reason"] == "timed out after 0.5 s")
            #expect(exec(d, rc.printOne)?["stdout"] == "1\n")
        }

        @Test(arguments: RuntimeCase.all)
        func repeatedTimeouts_NeverLoseTheNextExecution(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            for _ in 0..<5 {
                #expect(exec(d, rc.infiniteLoop, ["timeoutMs": 300])?["timedOut"] == true)
                #expect(exec(d, rc.printOne, ["timeoutMs": 5000], timeoutMs: 10_000)?["stdout"] == "1\n")
                _ = d.result("shell", ["session": "s1", "command": "sh", "args": ["-c", "exit 0"]], timeoutMs: 10_000)
            }
        }

        @Test(arguments: RuntimeCase.all)
        func outputCap_TruncatesAndFlags(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            let r = try #require(exec(d, rc.bigOutput, ["maxOutputBytes": 1000]))
            #expect(r["stdout"]?.string?.utf8.count == 1000)
            #expect(r["stdoutTruncated"] == true && r["truncated"] == true)
        }

        @Test(arguments: RuntimeCase.all)
        func shell_RunsArgvInsideTheSandbox(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            let r = try #require(
                d.result("shell", ["session": "s1", "command": "sh", "args": ["-c", "id -u; pwd; exit 4"]]))
            #expect(r["stdout"] == .string("\(ws.uid)\n/workspace\n") && r["exitCode"] == 4)
            let missing = try #require(d.result("shell", ["session": "s1", "command": "no-such-tool"]))
            #expect(missing["exitCode"] == 127)
        }

        @Test(arguments: RuntimeCase.all)
        func malformedLine_GetsParseError_AndEOFExitsZero(_ rc: RuntimeCase) throws {
            let d = try DriverProcess(rc.driver)
            d.sendRaw("this is not json")
            guard case .error(nil, -32700, _, _)? = d.nextMessage() else { Issue.record("no parse error"); return }
            #expect(d.handshake() != nil)
            d.closeStdin()
            #expect(d.waitExit(timeoutMs: 5000) == 0)
            #expect(d.nonProtocolLines.isEmpty)
        }

        @Test(arguments: RuntimeCase.all)
        func sessionClose_KillsEveryProcessOfTheSession_AndRemovesItsCgroup(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc, stateful: true)  // stateful sessions keep background processes
            defer { ws.remove() }
            // A process that escaped the job's process group keeps running after the job...
            _ = d.result(
                "shell", ["session": "s1", "command": "sh", "args": ["-c", "setsid sleep 300 >/dev/null 2>&1 &"]])
            #expect(exec(d, rc.printOne)?["stdout"] == "1\n")
            #expect(!Self.processes(uid: ws.uid).isEmpty)
            let cgroups = Self.cgroups(rc.driver, pid: d.pid)
            #expect(!cgroups.isEmpty)
            // ...until the session closes.
            #expect(d.result("session.close", ["session": "s1"])?["closed"] == true)
            // Killed processes may linger as zombies until their (host) reaper collects them, longer on a loaded
            // machine: count only live ones, and give them up to 5 s (the escaped `sleep 300` would outlast that).
            var left = Self.processes(uid: ws.uid)
            for _ in 0..<500 where !left.isEmpty {
                usleep(10_000)
                left = Self.processes(uid: ws.uid)
            }
            #expect(left.isEmpty)
            #expect(Self.cgroups(rc.driver, pid: d.pid).isEmpty)
            #expect(d.result("session.close", ["session": "s1"])?["closed"] == true)  // idempotent
        }

        @Test func pythonScripts_RunLikeANewInterpreter() throws {
            let (d, ws) = try open(.python)
            defer { ws.remove() }
            try "X = 42\n".write(toFile: ws.path + "/data.py", atomically: true, encoding: .utf8)
            try
                "import sys, data\nprint(sys.argv[1:], __name__, __file__, data.X)\ndef f():\n    raise ValueError('x')\nf()\n"
                .write(toFile: ws.path + "/calc.py", atomically: true, encoding: .utf8)
            let r = try #require(d.result("shell", ["session": "s1", "command": "python3", "args": ["calc.py", "a"]]))
            #expect(r["stdout"] == "['a'] __main__ /workspace/calc.py 42\n")
            #expect(r["exitCode"] == 1)
            #expect(r["stderr"]?.string?.contains("File \"/workspace/calc.py\", line 4, in f") == true)
            let missing = try #require(
                d.result("shell", ["session": "s1", "command": "python3", "args": ["/workspace/nope.py"]]))
            #expect(missing["exitCode"] == 2)
            let version = try #require(d.result("shell", ["session": "s1", "command": "python3", "args": ["-V"]]))
            #expect(version["stdout"]?.string?.hasPrefix("Python 3") == true)
        }

        @Test(arguments: RuntimeCase.all)
        func backgroundProcesses_DoNotOutliveTheirExecution(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            // Leaves the job's process group and keeps printing.
            let bg = try #require(
                d.result(
                    "shell",
                    [
                        "session": "s1", "command": "sh",
                        "args": ["-c", "setsid sh -c 'while true; do echo leak; sleep 0.01; done' &"],
                    ]))
            #expect(bg["exitCode"] == 0)
            usleep(100_000)
            let r = try #require(exec(d, rc.printOne))
            #expect(r["stdout"] == "1\n")
        }

        @Test(arguments: RuntimeCase.all)
        func manyBackToBackExecutions_AllSucceed(_ rc: RuntimeCase) throws {
            // Spares are forked and reaped around every execution; none may be lost or mistaken for a leftover.
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            var failures: [String] = []
            for _ in 0..<150 {
                let r = exec(d, rc.printOne)
                if r?["stdout"] != "1\n" { failures.append(r?.description ?? "no reply") }
            }
            #expect(failures.isEmpty, "\(failures.prefix(3))")
        }

        @Test(arguments: RuntimeCase.all)
        func sigterm_ReleasesSessionsAndExitsZero(_ rc: RuntimeCase) throws {
            let (d, ws) = try open(rc)
            defer { ws.remove() }
            #expect(exec(d, rc.printOne)?["stdout"] == "1\n")
            #expect(!Self.cgroups(rc.driver, pid: d.pid).isEmpty)
            kill(d.pid, SIGTERM)
            #expect(d.waitExit(timeoutMs: 5000) == 0)
            #expect(Self.cgroups(rc.driver, pid: d.pid).isEmpty)
        }

        static func processes(uid: Int) -> [String] {
            let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return all.filter { name in
                guard Int(name) != nil,
                    let status = try? String(contentsOfFile: "/proc/\(name)/status", encoding: .utf8)
                else { return false }
                let lines = status.split(separator: "\n")
                // zombie: already dead
                if lines.contains(where: { $0.hasPrefix("State:") && $0.contains("Z") }) { return false }
                return lines.contains {
                    $0.hasPrefix("Uid:") && $0.split(separator: "\t").dropFirst().first == Substring(String(uid))
                }
            }
        }

        static func cgroups(_ driver: String, pid: Int32) -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/memory/codebeaker")) ?? []
            return names.filter { $0.hasPrefix("\(driver)-\(pid)-") }
        }

        @Test(arguments: RuntimeCase.all)
        func unknownSession_IsSessionNotFound(_ rc: RuntimeCase) throws {
            let d = try DriverProcess(rc.driver)
            _ = d.handshake()
            guard case .error(_, -32000, _, _)? = d.call("execute", ["session": "nope", "code": "1"]) else {
                Issue.record("expected -32000"); return
            }
        }
    }
}

extension RealDrivers {
    @Suite struct MissingRuntimeTests {
        @Test(arguments: RuntimeCase.all)
        func missingInterpreter_ReportsUnavailableWithHint_AndRefusesSessions(_ rc: RuntimeCase) throws {
            let d = try DriverProcess(rc.driver, env: ["CODEBEAKER_DRIVER_INTERPRETER": "/nonexistent/\(rc.driver)"])
            let caps = try #require(d.handshake()?["capabilities"])
            #expect(caps["available"] == false)
            #expect(caps["unavailableReason"]?.string?.contains("/nonexistent") == true)
            #expect(caps["installHint"]?.string?.contains("apt-get install") == true)
            let ws = TestWorkspace()
            defer { ws.remove() }
            guard case .error(_, -32002, _, _)? = d.call("session.open", ws.openParams("s1")) else {
                Issue.record("expected -32002"); return
            }
        }
    }
}
