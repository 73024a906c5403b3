import Testing

@testable import DriverKit

@Suite struct InstallOptionsTests {
    func message(_ f: () throws(DriverError) -> Void) -> String? {
        do { try f(); return nil } catch { return error.message }
    }

    @Test func allowedPipFlags_MapToInstallArguments() throws {
        let o = try PipOptions([
            "-U", "--no-deps", "--pre", "--find-links=/workspace/wheels", "-f", "more", "--no-cache-dir", "-q",
        ])
        #expect(o.upgrade && o.noDeps && o.pre && o.quiet == 1)
        #expect(o.findLinks == ["/workspace/wheels", "/workspace/more"])
        #expect(
            o.installArguments == [
                "--upgrade", "--no-deps", "--pre", "-q", "--find-links", "/workspace/wheels", "--find-links",
                "/workspace/more",
            ])
    }

    @Test(arguments: [
        "--index-url=http://x", "--extra-index-url", "--trusted-host", "-e", "--target=/usr", "--prefix", "-i", "--src",
    ])
    func indexAndTargetOptions_AreRefused(_ flag: String) {
        #expect(
            message { () throws(DriverError) in _ = try PipOptions([flag]) }?.contains("is not an allowed pip option")
                == true)
    }

    @Test func findLinksOutsideTheWorkspace_IsRefused() {
        #expect(
            message { () throws(DriverError) in _ = try PipOptions(["--find-links=/etc"]) }?.contains("/workspace")
                == true)
        #expect(
            message { () throws(DriverError) in _ = try PipOptions(["--find-links"]) }?.contains("needs a value")
                == true)
    }

    @Test func shellForm_SeparatesSpecsFlagsAndRequirementFiles() throws {
        let o = try PipOptions(["--no-cache-dir", "requests", "-r", "req.txt", "six==1.16.0"], allowSpecs: true)
        #expect(o.specs == ["requests", "six==1.16.0"] && o.requirementFiles == ["/workspace/req.txt"])
        // -r is only meaningful in the shell form; in request flags it is refused.
        #expect(message { () throws(DriverError) in _ = try PipOptions(["-r", "req.txt"]) } != nil)
    }

    @Test func npmFlags_AreNormalizedAndOthersRefused() throws {
        let o = try NpmOptions(["-D", "--save-exact", "-g", "--no-audit"])
        #expect(o.passThrough == ["--save-dev", "--save-exact"] && o.global)
        for bad in ["--registry=http://x", "--prefix=/usr", "--script-shell=/bin/sh", "--unsafe-perm"] {
            #expect(
                message { () throws(DriverError) in _ = try NpmOptions([bad]) }?.contains(
                    "is not an allowed npm option") == true)
        }
    }

    @Test func shellCommands_AreRecognisedOnlyInTheirExactForms() {
        #expect(
            ShellInstallCommand.pipArguments("pip", ["install", "--no-cache-dir", "requests"]) == [
                "--no-cache-dir", "requests",
            ])
        #expect(ShellInstallCommand.pipArguments("python3", ["-m", "pip", "install", "six"]) == ["six"])
        #expect(ShellInstallCommand.pipArguments("pip", ["list"]) == nil)
        #expect(ShellInstallCommand.pipArguments("sh", ["-c", "pip install six"]) == nil)
        #expect(ShellInstallCommand.npmArguments("npm", ["i", "lodash"], tool: "npm") == ["lodash"])
        #expect(ShellInstallCommand.npmArguments("bun", ["add", "zod"], tool: "bun") == ["zod"])
        #expect(ShellInstallCommand.npmArguments("npm", ["run", "x"], tool: "npm") == nil)
    }
}
