import DriverKit
import DriverProtocol
import Testing

@testable import codebeaker_driver_docker

@Suite struct DockerInstallTests {
    @Test func theWrappersResultLineBecomesInstalledAndLeavesTheOutput() {
        let out =
            "Collecting six==1.17.0\nSuccessfully installed six-1.17.0\n\n"
            + DockerInstallScripts.marker + #" [["six","1.17.0"]]"# + "\n"
        let (text, installed) = DockerRuntime.extractInstalled(out)
        #expect(installed == [.init(name: "six", version: "1.17.0")])
        #expect(text == "Collecting six==1.17.0\nSuccessfully installed six-1.17.0\n")
    }

    @Test func bothScriptsPrintTheMarkerTheDriverLooksFor() {
        #expect(PipBootScript.text.contains(DockerInstallScripts.marker))
        #expect(DockerInstallScripts.npm.contains(DockerInstallScripts.marker))
    }

    @Test func theSharedCacheFindLinksIsDroppedButUserFindLinksStay() throws {
        let pip = PipInstaller(policy: PackagePolicy())
        let plan = try pip.plan(specs: ["six"], requirements: nil, flags: PipOptions(["--find-links=/workspace/w"]))
        let args = pip.installArguments(plan, offline: false)
        #expect(args.contains(PackageCache.pipSandboxPath))
        let kept = DockerRuntime.withoutSharedCache(args)
        #expect(!kept.contains(PackageCache.pipSandboxPath))
        #expect(kept.contains { $0.contains("/workspace/w") })
        #expect(kept.suffix(2) == ["--", "six"])
    }
}
