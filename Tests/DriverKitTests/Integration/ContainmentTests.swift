import DriverKit
import DriverProtocol
import Foundation
import Testing

/// Hostile code against the real drivers: each attack fails that execution (with a reason where the
/// kernel tells us one), and the session keeps working afterwards.
extension RealDrivers {
    @Suite struct ContainmentTests {
        func session(_ rc: RuntimeCase, memoryMB: Int = 256, env: [String: String] = [:]) throws -> (
            DriverProcess, TestWorkspace
        ) {
            let d = try DriverProcess(rc.driver, env: env)
            let ws = TestWorkspace()
            _ = d.handshake()
            _ = d.result("session.open", ws.openParams("s1", memoryMB: memoryMB, pids: 64))
            return (d, ws)
        }

        func exec(_ d: DriverProcess, _ code: String, timeoutMs: Int = 10_000) -> JSONValue? {
            d.result(
                "execute", ["session": "s1", "code": .string(code), "timeoutMs": .int(timeoutMs)],
                timeoutMs: timeoutMs + 20_000)
        }

        func stillWorks(_ d: DriverProcess, _ rc: RuntimeCase) -> Bool { exec(d, rc.printOne)?["stdout"] == "1\n" }

        @Test(arguments: RuntimeCase.all)
        func hostSecrets_AreInvisible(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc, env: ["CODEBEAKER_TEST_SECRET": "hunter2"])
            defer { ws.remove() }
            #expect(exec(d, rc.readShadow)?["stdout"] == "False False\n")
            let env = try #require(d.result("shell", ["session": "s1", "command": "env"]))
            #expect(env["stdout"]?.string?.contains("hunter2") == false)
            let other = try #require(d.result("shell", ["session": "s1", "command": "ls", "args": ["/tmp", "/home"]]))
            #expect(other["stdout"]?.string?.contains("dk-ws") == false)
        }

        @Test(arguments: RuntimeCase.all)
        func network_IsOffByDefault(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            #expect(exec(d, rc.connectOut)?["stdout"] == "blocked\n")
        }

        @Test(arguments: RuntimeCase.all)
        func memoryBomb_IsKilledWithAReason(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc, memoryMB: 128)
            defer { ws.remove() }
            let r = try #require(exec(d, rc.memoryBomb))
            #expect(r["exitCode"] != 0)
            let reason = r["reason"]?.string ?? ""
            let stderr = r["stderr"]?.string ?? ""
            #expect(
                reason.contains("out of memory") || stderr.contains("MemoryError")
                    || stderr.contains("heap out of memory"),
                "reason: \(reason) stderr: \(stderr.suffix(200))")
            #expect(stillWorks(d, rc))
        }

        @Test(arguments: RuntimeCase.all)
        func forkBomb_IsContained(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            let r = try #require(exec(d, rc.forkBomb, timeoutMs: 3000))
            #expect(r["exitCode"] != 0 || r["timedOut"] == true)
            #expect(stillWorks(d, rc))
        }

        @Test(arguments: RuntimeCase.all)
        func diskFill_HitsTheFileSizeLimit(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            let r = try #require(exec(d, rc.fillDisk, timeoutMs: 20_000))
            #expect(r["exitCode"] != 0)
            var st = stat()
            #expect(stat(ws.path + "/big", &st) != 0 || st.st_size <= 256 << 20)
            #expect(stillWorks(d, rc))
        }

        @Test(arguments: RuntimeCase.all)
        func killAll_OnlyKillsTheSandbox(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            let r = try #require(
                d.result("shell", ["session": "s1", "command": "sh", "args": ["-c", "kill -9 -1; sleep 1"]]))
            #expect(r["exitCode"] != 0)
            #expect(stillWorks(d, rc))
            #expect(kill(getpid(), 0) == 0)
        }

        @Test(arguments: RuntimeCase.all)
        func killAll_TheVeryNextExecutionWorks(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            for _ in 0..<5 {
                _ = d.result("shell", ["session": "s1", "command": "sh", "args": ["-c", "kill -9 -1"]])
                let r = exec(d, rc.printOne)
                #expect(r?["stdout"] == "1\n", "\(String(describing: r))")
            }
        }

        @Test(arguments: RuntimeCase.all)
        func killAllFromUserCode_TheNextExecutionWorks(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            let code =
                rc.driver == "python" ? "import os, signal\nos.kill(-1, signal.SIGKILL)" : "process.kill(-1, 'SIGKILL')"
            _ = exec(d, code, timeoutMs: 5000)
            #expect(stillWorks(d, rc))
            #expect(kill(getpid(), 0) == 0)
        }

        @Test(arguments: RuntimeCase.all)
        func leakedFds_DoNotReachTheNextExecution(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            _ = exec(d, rc.leakFds)
            let out = exec(d, rc.countFds)?["stdout"]?.string ?? ""
            let open = Int(out.filter(\.isNumber)) ?? -1
            #expect(open >= 3 && open < 200, "the next execution sees \(out) open fds")
            #expect(stillWorks(d, rc))
        }

        @Test(arguments: RuntimeCase.all)
        func readOnlySystem_CannotBeModified(_ rc: RuntimeCase) throws {
            let (d, ws) = try session(rc)
            defer { ws.remove() }
            let r = try #require(
                d.result("shell", ["session": "s1", "command": "sh", "args": ["-c", "touch /usr/x || echo denied"]]))
            #expect(r["stdout"]?.string?.contains("denied") == true)
        }
    }
}
