import DriverProtocol
import Testing

@testable import DriverKit

@Suite struct PackageSpecTests {
    func pip(_ s: String, _ policy: PackagePolicy = .init()) throws(DriverError) -> PackageSpec {
        try PackageSpec(s, style: .pip, policy: policy)
    }
    func npm(_ s: String, _ policy: PackagePolicy = .init()) throws(DriverError) -> PackageSpec {
        try PackageSpec(s, style: .npm, policy: policy)
    }

    func refusal(_ f: () throws(DriverError) -> PackageSpec) -> String? {
        do { _ = try f(); return nil } catch { return error.message }
    }

    @Test func pipNamesWithExtrasAndVersions_AreIndexSpecs() throws {
        #expect(try pip("six").kind == .index(name: "six"))
        #expect(try pip("six==1.16.0").kind == .index(name: "six"))
        #expect(try pip("requests[socks,security]>=2,<3").kind == .index(name: "requests"))
        #expect(try pip("zope.interface~=6.0").kind == .index(name: "zope.interface"))
    }

    @Test func npmNamesScopesAndRanges_AreIndexSpecs() throws {
        #expect(try npm("lodash").kind == .index(name: "lodash"))
        #expect(try npm("@types/node@^20.1").kind == .index(name: "@types/node"))
        #expect(try npm("express@4.18.2").kind == .index(name: "express"))
    }

    @Test(arguments: ["six; rm -rf /", "six && id", "six | sh", "$(id)", "`id`", "six\nrequests", "a'b", "six\u{7f}"])
    func shellMetacharactersAndControlCharacters_AreRefused(_ s: String) {
        let m = refusal { () throws(DriverError) in try pip(s) }
        #expect(m != nil && (m!.contains("not allowed in a package name")), "\(m ?? "accepted")")
    }

    @Test(arguments: ["--index-url=http://x/simple", "-e", "--extra-index-url", "-r"])
    func optionsAsNames_AreRefusedAsOptions(_ s: String) {
        let m = refusal { () throws(DriverError) in try pip(s) }
        #expect(m?.contains("is an option, not a package name") == true)
    }

    @Test(arguments: [
        "git+https://example.invalid/x.git", "pkg @ https://example.invalid/p.whl", "https://example.invalid/x.tgz",
        "github:a/b",
    ])
    func urlsAndRepositories_AreRefusedUnlessAllowed(_ s: String) throws {
        let m = refusal { () throws(DriverError) in try pip(s) }
        #expect(m?.contains("URL or repository") == true, "\(m ?? "accepted")")
        #expect(try pip(s, PackagePolicy(allowURLs: true)).kind == .url)
    }

    @Test func repositoryShorthandForNpm_IsRefused() {
        #expect(refusal { () throws(DriverError) in try npm("someone/repo") }?.contains("repository shorthand") == true)
    }

    @Test func localPaths_MustStayInsideTheWorkspace() throws {
        #expect(
            try pip("./wheels/x-1.0-py3-none-any.whl").kind == .local(path: "/workspace/wheels/x-1.0-py3-none-any.whl"))
        #expect(try npm("file:pkgs/tool").kind == .local(path: "/workspace/pkgs/tool"))
        for bad in [
            "/etc/passwd", "file:/etc/passwd", "../other/x.whl", "./a/../../b", "~/x", "/workspace2/x.whl",
            "file:///root/x",
            "/workspace/a.whl", "file:///workspace/a.whl", "./a/../b.whl",
        ] {
            #expect(
                refusal { () throws(DriverError) in try pip(bad) }?.contains("outside the workspace") == true, "\(bad)")
        }
    }

    /// Shell install lines (`cd sub && npm install ../x`) reach the grammar as paths relative to /workspace.
    @Test func shellInstallPaths_AreRebasedOntoTheWorkspace() throws {
        #expect(PackageSpec.rebased("./x", cwd: "/workspace/sub") == "./sub/x")
        #expect(PackageSpec.rebased("../x", cwd: "/workspace/sub") == "./x")
        #expect(PackageSpec.rebased("/workspace/w/a.whl", cwd: "/workspace") == "./w/a.whl")
        #expect(try pip(PackageSpec.rebased("a.whl", cwd: "/workspace/w")).kind == .local(path: "/workspace/w/a.whl"))
        for bad in ["../../etc", "/etc/passwd", "../../\u{301}x"] {
            let spec = PackageSpec.rebased(bad, cwd: "/workspace/sub")
            #expect(
                refusal { () throws(DriverError) in try npm(spec) }?.contains("outside the workspace") == true, "\(bad)"
            )
        }
    }

    @Test func malformedVersions_AreRefusedWithAHint() {
        #expect(refusal { () throws(DriverError) in try pip("six==1.0 extra") } != nil)
        #expect(refusal { () throws(DriverError) in try pip("six@1.0") }?.contains("version specifier") == true)
        #expect(refusal { () throws(DriverError) in try pip("-six") } != nil)
        #expect(refusal { () throws(DriverError) in try pip("") }?.contains("empty") == true)
    }

    @Test func wheelNames_AreNormalizedLikePip() {
        #expect(PackageSpec.wheelName("Charset-Normalizer") == "charset_normalizer")
        #expect(PackageSpec.wheelName("zope.interface") == "zope_interface")
        #expect(PackageSpec.wheelName("a--b__c") == "a_b_c")
    }

    @Test func driverPaths_AreResolvedBySandboxPath() {
        #expect(SandboxPath.inside("a/./b") == "/workspace/a/b")
        #expect(SandboxPath.inside("/workspace") == "/workspace")
        #expect(SandboxPath.inside("/workspace/../etc") == nil)
        #expect(SandboxPath.inside("/tmp/x") == nil)
    }
}
