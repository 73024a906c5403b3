import Testing

@testable import codebeaker_sandbox

@Suite struct SandboxToolArgumentsTests {
    func run(_ args: [String]) -> Result<SandboxToolCommand, SandboxUsageError> {
        SandboxToolArguments.parse(["run"] + args)
    }

    func usageError(_ args: [String]) -> String? {
        if case .failure(let e) = SandboxToolArguments.parse(args) { return e.message }
        return nil
    }

    @Test func run_WithOnlyTheRequiredFlags_TakesTheDocumentedDefaults() throws {
        let r = try run(["--session", "s1", "--workspace", "/ws", "--", "echo", "hi"]).get()
        var want = SandboxRunOptions()
        want.session = "s1"; want.workspace = "/ws"; want.command = ["echo", "hi"]
        #expect(r == .run(want))
        #expect(want.memoryMB == 512 && want.pids == 256 && want.timeoutMs == 30_000)
        #expect(want.maxOutputBytes == 1 << 20 && !want.network && !want.stream && want.cpuPercent == 0)
    }

    @Test func run_EveryFlag_IsParsed_AndEnvAndBindsRepeat() throws {
        let r = try run([
            "--session", "a-b_C9", "--workspace", "/ws", "--uid", "1000", "--gid", "1001", "--memory-mb", "64",
            "--pids", "32", "--cpu-percent", "50", "--timeout-ms", "1500", "--max-output-bytes", "0", "--cwd", "sub",
            "--env", "A=1", "--env", "B=x=y", "--env", "A=2", "--network", "--stdin-file", "/tmp/in", "--stream",
            "--bind-ro", "/opt/rt:/opt/rt", "--bind-ro", "/a:/b:c", "--", "sh", "-c", "--stream",
        ]).get()
        guard case .run(let o) = r else { Issue.record("not a run: \(r)"); return }
        #expect(o.session == "a-b_C9" && o.workspace == "/ws" && o.uid == 1000 && o.gid == 1001)
        #expect(o.memoryMB == 64 && o.pids == 32 && o.cpuPercent == 50 && o.timeoutMs == 1500)
        #expect(o.maxOutputBytes == 0 && o.cwd == "sub" && o.network && o.stream && o.stdinFile == "/tmp/in")
        #expect(o.env == ["A": "2", "B": "x=y"])
        #expect(o.readOnlyBinds == [["/opt/rt", "/opt/rt"], ["/a", "/b:c"]])
        // Everything after `--` is the command, flags included.
        #expect(o.command == ["sh", "-c", "--stream"])
    }

    @Test func closeAndVersion_Parse() throws {
        #expect(try SandboxToolArguments.parse(["close", "--session", "s1"]).get() == .close(session: "s1"))
        #expect(try SandboxToolArguments.parse(["--version"]).get() == .version)
    }

    @Test func usageErrors_NameWhatIsWrong() {
        #expect(usageError([]) == "missing command (run, close or --version)")
        #expect(usageError(["frobnicate"]) == "unknown command: frobnicate")
        #expect(usageError(["--version", "x"]) == "unknown command: --version")
        #expect(usageError(["close"]) == "close takes exactly --session ID")
        #expect(usageError(["close", "--session", "a/b"])?.contains("--session must be") == true)
        #expect(usageError(["run", "--workspace", "/ws", "--", "x"]) == "run needs --session ID")
        #expect(usageError(["run", "--session", "s", "--", "x"]) == "run needs --workspace DIR (an absolute path)")
        #expect(usageError(["run", "--session", "s", "--workspace", "rel", "--", "x"])?.contains("absolute") == true)
        #expect(usageError(["run", "--session", "s", "--workspace", "/ws"]) == "run needs -- CMD ARGS...")
        #expect(usageError(["run", "--session", "s", "--workspace", "/ws", "--"]) == "run needs -- CMD ARGS...")
        #expect(usageError(["run", "--bogus"]) == "unknown option: --bogus")
        #expect(usageError(["run", "--session"]) == "--session needs a value")
        #expect(usageError(["run", "--timeout-ms", "--", "x"]) == "--timeout-ms needs a value")
        #expect(usageError(["run", "--env", "=v"]) == "--env takes K=V, got =v")
        #expect(usageError(["run", "--env", "K"]) == "--env takes K=V, got K")
        #expect(usageError(["run", "--bind-ro", "/a"])?.hasPrefix("--bind-ro takes SRC:DST") == true)
        #expect(usageError(["run", "--bind-ro", "a:/b"])?.hasPrefix("--bind-ro takes SRC:DST") == true)
    }

    @Test func numbers_OutOfRangeOrNotIntegers_AreUsageErrors_AndUidZeroIsRefused() {
        #expect(usageError(["run", "--uid", "0"]) == "--uid must be an integer in 1...2147483647")
        #expect(usageError(["run", "--gid", "0"]) == "--gid must be an integer in 1...2147483647")
        #expect(usageError(["run", "--memory-mb", "0"])?.hasPrefix("--memory-mb must be an integer") == true)
        #expect(usageError(["run", "--pids", "-1"])?.hasPrefix("--pids must be an integer") == true)
        #expect(usageError(["run", "--timeout-ms", "1.5"])?.hasPrefix("--timeout-ms must be an integer") == true)
        #expect(usageError(["run", "--max-output-bytes", "x"])?.hasPrefix("--max-output-bytes must be") == true)
    }

    @Test func sessionIds_AreLimitedToCgroupSafeCharacters() {
        #expect(SandboxToolArguments.isValidSession("abc-DEF_123"))
        for bad in ["", "a.b", "a/b", "a b", "..", "é", String(repeating: "a", count: 101)] {
            #expect(!SandboxToolArguments.isValidSession(bad), "\(bad)")
        }
    }
}
