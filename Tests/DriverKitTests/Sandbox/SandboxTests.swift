import DriverKit
import Testing

@Suite struct SandboxTests {
    func config(network: Bool = false) -> SandboxConfig {
        var c = SandboxConfig(workspace: "/srv/ws/s1", uid: 100123, gid: 100124)
        c.network = network
        c.readOnlyBinds = [.init("/var/lib/codebeaker/runners/python/runner.py", "/opt/codebeaker/runner.py")]
        c.env = ["FOO": "bar"]
        c.etcDir = "/var/lib/codebeaker/etc/100123-100124"
        return c
    }

    /// The value after `flag` (the first occurrence), for reading argv.
    func pairs(_ a: [String], _ flag: String, arity: Int) -> [[String]] {
        var out: [[String]] = []
        var i = 0
        while i < a.count {
            if a[i] == flag, i + arity < a.count { out.append(Array(a[(i + 1)...(i + arity)])); i += arity }
            i += 1
        }
        return out
    }

    @Test func arguments_UnshareEverything_AndShareNetOnlyWhenAllowed() {
        let a = Sandbox.arguments(config(), command: ["python3", "x.py"])
        #expect(a.first == "/usr/bin/bwrap")
        #expect(a.contains("--unshare-all") && a.contains("--die-with-parent") && a.contains("--new-session"))
        #expect(!a.contains("--share-net"))
        // network shares only a namespace the driver made (spawned into it), never the driver's own.
        #expect(!Sandbox.arguments(config(network: true), command: ["x"]).contains("--share-net"))
        var own = config(network: true)
        own.netnsFD = 7
        own.resolvConf = "/var/lib/codebeaker/etc/slirp-resolv.conf"
        let a2 = Sandbox.arguments(own, command: ["x"])
        #expect(
            a2.contains("--share-net")
                && pairs(a2, "--ro-bind-try", arity: 2).contains([own.resolvConf!, "/etc/resolv.conf"]))
        #expect(Sandbox.processSpec(own, command: ["x"]).netnsFD == 7)
    }

    @Test func arguments_BindWorkspaceWritable_SystemReadOnly_AndNothingElseOfTheHost() {
        let a = Sandbox.arguments(config(), command: ["x"])
        #expect(pairs(a, "--bind", arity: 2) == [["/srv/ws/s1", "/workspace"]])
        let ro = pairs(a, "--ro-bind", arity: 2)
        #expect(ro.contains(["/usr", "/usr"]))
        #expect(ro.contains(["/var/lib/codebeaker/runners/python/runner.py", "/opt/codebeaker/runner.py"]))
        #expect(ro.contains(["/var/lib/codebeaker/etc/100123-100124/passwd", "/etc/passwd"]))
        let sources = ro.map { $0[0] } + pairs(a, "--ro-bind-try", arity: 2).map { $0[0] }
        for secret in ["/root", "/home", "/etc/shadow", "/etc", "/"] { #expect(!sources.contains(secret)) }
        #expect(pairs(a, "--tmpfs", arity: 1) == [["/tmp"]])
        #expect(pairs(a, "--size", arity: 1) == [[String(64 << 20)]])
    }

    @Test func arguments_ReadWriteBinds_AreWritable_AndMountedBeforeTheRootTurnsReadOnly() {
        var c = config()
        c.readWriteBinds = [.init("/var/lib/codebeaker/build/s1", "/build")]
        let a = Sandbox.arguments(c, command: ["x"])
        #expect(
            pairs(a, "--bind", arity: 2) == [
                ["/srv/ws/s1", "/workspace"], ["/var/lib/codebeaker/build/s1", "/build"],
            ])
        #expect(!pairs(a, "--ro-bind", arity: 2).contains(["/var/lib/codebeaker/build/s1", "/build"]))
        let bind = a.lastIndex(of: "/var/lib/codebeaker/build/s1"), remount = a.firstIndex(of: "--remount-ro")
        #expect(bind != nil && remount != nil && bind! < remount!)
    }

    @Test func arguments_SetIdentityCwdAndAClearedEnvironment() {
        let a = Sandbox.arguments(config(), command: ["python3", "x.py"])
        #expect(pairs(a, "--uid", arity: 1) == [["100123"]] && pairs(a, "--gid", arity: 1) == [["100124"]])
        #expect(pairs(a, "--chdir", arity: 1) == [["/workspace"]])
        #expect(a.contains("--clearenv"))
        let env = Dictionary(uniqueKeysWithValues: pairs(a, "--setenv", arity: 2).map { ($0[0], $0[1]) })
        #expect(env["HOME"] == "/workspace" && env["FOO"] == "bar" && env["PATH"] != nil)
        #expect(Array(a.suffix(3)) == ["--", "python3", "x.py"])
    }

    @Test func processSpec_PassesTheSeccompProgramOnTheFdAfterTheCallersAndRaisesOOMScore() throws {
        let plain = Sandbox.processSpec(config(), command: ["x"])
        let runner = Sandbox.processSpec(config(), command: ["x"], extraFds: 1)
        #expect(pairs(plain.arguments, "--seccomp", arity: 1) == [["3"]] && plain.seccomp?.fd == 3)
        #expect(pairs(runner.arguments, "--seccomp", arity: 1) == [["4"]] && runner.seccomp?.fd == 4)
        #expect(try #require(plain.seccomp?.program).count > 40 * 8)
        #expect(plain.oomScoreAdj == 1000 && plain.newKeyring)
    }

    @Test func processSpec_SwitchesToTheSessionUidWithNoNewPrivs() {
        let s = Sandbox.processSpec(config(), command: ["x"])
        #expect(s.uid == 100123 && s.gid == 100124 && s.noNewPrivs && s.dieWithParent && s.environment.isEmpty)
        #expect(
            s.rlimits.contains(.openFiles(1024)) && s.rlimits.contains(.noCore)
                && s.rlimits.contains(.fileSizeBytes(256 << 20)))
    }
}
