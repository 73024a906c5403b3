import DriverProtocol
import Testing

@testable import DriverKit

@Suite struct InstallerArgvTests {
    let pip = PipInstaller(policy: PackagePolicy())

    @Test func pipPlan_UsesTheCacheOnlyForPlainIndexNames() throws {
        let p = try pip.plan(specs: ["six==1.16.0", "requests"], requirements: nil, flags: PipOptions())
        #expect(p.cacheable && p.indexNames == ["six", "requests"])
        let local = try pip.plan(specs: ["./w/x-1-py3-none-any.whl"], requirements: nil, flags: PipOptions())
        #expect(!local.cacheable && local.specs == ["/workspace/w/x-1-py3-none-any.whl"])
        let links = try pip.plan(specs: ["x"], requirements: nil, flags: try PipOptions(["--find-links=/workspace/w"]))
        #expect(!links.cacheable)
    }

    @Test func pipPlan_RefusesEmptyInstallsAndLocalSources() {
        #expect(throws: DriverError.self) { try pip.plan(specs: [], requirements: nil, flags: PipOptions()) }
        do {
            _ = try pip.plan(specs: ["./src"], requirements: nil, flags: PipOptions())
            Issue.record("a source directory was accepted")
        } catch { #expect(error.message.contains("not a wheel")) }
    }

    @Test func pipInstallArgv_EndsOptionsBeforeSpecsAndInstallsWheelsOnly() throws {
        let p = try pip.plan(specs: ["six"], requirements: nil, flags: try PipOptions(["-U"]))
        let offline = pip.installArguments(p, offline: true)
        #expect(offline.first == "install" && offline.contains("--only-binary=:all:") && offline.contains("--no-index"))
        #expect(offline.suffix(2) == ["--", "six"])
        #expect(offline.contains("--upgrade"))
        let i = offline.firstIndex(of: "--find-links")!
        #expect(offline[i + 1] == PackageCache.pipSandboxPath)
        #expect(!pip.installArguments(p, offline: false).contains("--no-index"))
    }

    @Test func fetchArgv_DownloadsWheelsOfVettedSpecsOnly() throws {
        let p = try pip.plan(specs: ["six==1.16.0"], requirements: nil, flags: try PipOptions(["--pre", "-U"]))
        let a = pip.fetchArguments(p)
        #expect(Array(a.prefix(5)) == ["/usr/bin/python3", "-I", "-m", "pip", "download"])
        #expect(a.contains("--only-binary=:all:") && a.contains("--pre") && !a.contains("--upgrade"))
        #expect(a.suffix(2) == ["--", "six==1.16.0"])
        #expect(!a.contains(where: { $0.contains("index-url") }))
    }

    @Test func npmArgv_DisablesScriptsAndGitAndUsesTheSessionPrefixForGlobal() throws {
        let npm = NpmInstaller(tool: .npm, policy: PackagePolicy())
        var o = try NpmOptions(["-D"])
        o.global = true
        let a = npm.arguments(specs: ["lodash"], options: o)
        #expect(Array(a.prefix(3)) == [NpmInstaller.node, NpmInstaller.npmCli, "install"])
        #expect(a.contains("--ignore-scripts") && a.contains("--git=/nonexistent/git-is-disabled"))
        let p = a.firstIndex(of: "--prefix")!
        #expect(
            a[p + 1] == "/workspace/.global" && a.contains("--global") && a.last == "lodash" && a.contains("--save-dev")
        )
        let bun = NpmInstaller(
            tool: .bun(executable: "/opt/runtimes/bun/bun", bind: .init("/x", "/opt/runtimes/bun")),
            policy: PackagePolicy())
        #expect(
            bun.arguments(specs: [], options: try NpmOptions(["-D"])) == [
                "/opt/runtimes/bun/bun", "install", "--no-progress", "--config=/dev/null", "--ignore-scripts", "--dev",
            ])
        #expect(bun.arguments(specs: ["zod"], options: NpmOptions())[1] == "add")
    }

    @Test func npmInstallEnv_HasNothingResolvingIntoTheWorkspace() {
        #expect(NpmInstaller.installEnv["NODE_PATH"] == nil && NpmInstaller.installEnv["PATH"] == nil)
        #expect(InstallSandbox.baseEnv["PATH"] == nil && InstallSandbox.baseEnv["HOME"] == "/tmp")
    }

    /// Installs never get the driver's network: only the egress namespace (whose one way out is the index
    /// allowlisting proxy) is shared; without it the sandbox has no network at all (fail closed).
    @Test func installSandbox_SharesOnlyTheEgressNamespaceAndDropsSessionEnv() {
        var c = SandboxConfig(workspace: "/srv/ws/s1", uid: 100123, gid: 100123)
        c.env = ["PIP_INDEX_URL": "http://evil/simple"]
        let session = SandboxSession(id: "s1", handle: "h", options: SessionOpenOptions(), config: c, cgroup: nil)
        var cfg = InstallSandbox.config(InstallSandbox.Job(command: ["x"], timeoutMs: 1000), session: session)
        #expect(cfg.network && cfg.env["PIP_INDEX_URL"] == nil && cfg.env["PIP_CONFIG_FILE"] == "/dev/null")
        #expect(cfg.netnsFD == nil && !Sandbox.arguments(cfg, command: ["x"]).contains("--share-net"))
        cfg.netnsFD = 42  // the egress namespace, as `run` sets it
        #expect(Sandbox.arguments(cfg, command: ["x"]).contains("--share-net"))
        #expect(!Sandbox.arguments(session.config, command: ["x"]).contains("--share-net"))
    }

    @Test func cacheKeysAndWheelFileNames() {
        #expect(
            PackageCache.treeKey(specs: ["b", "A"], pre: false, noDeps: false)
                == PackageCache.treeKey(specs: ["a", "B"], pre: false, noDeps: false))
        #expect(
            PackageCache.treeKey(specs: ["a"], pre: true, noDeps: false)
                != PackageCache.treeKey(specs: ["a"], pre: false, noDeps: false))
        #expect(PackageCache.treeKey(specs: ["a"], pre: false, noDeps: false).count == 16)
        #expect(PackageCache.isWheelFileName("six-1.17.0-py2.py3-none-any.whl"))
        #expect(!PackageCache.isWheelFileName("../six-1.17.0-py2.py3-none-any.whl"))
        #expect(
            !PackageCache.isWheelFileName("six-1.17.0.tar.gz")
                && !PackageCache.isWheelFileName(".hidden-1-py3-none-any.whl"))
    }

    @Test func exactPins_AreReadForTheCachePreCheck() {
        #expect(PackageCache.pinned("six==1.16.0") == ("six", "1.16.0"))
        #expect(PackageCache.pinned("requests[socks]==2.31.0") == ("requests", "2.31.0"))
        #expect(PackageCache.pinned("six>=1.15") == ("six", nil))
        #expect(PackageCache.pinned("six==1.*") == ("six", nil))
        #expect(PackageCache.pinned("a>=1,==2") == ("a", nil))
    }

    @Test func installedLine_IsSplitOffTheOutput() {
        let (out, got) = PipInstaller.extractInstalled(
            "Collecting six\n\(PipBootScript.marker) [[\"six\", \"1.17.0\"]]\ndone\n")
        #expect(out == "Collecting six\ndone\n" && got == [.init(name: "six", version: "1.17.0")])
    }
}
