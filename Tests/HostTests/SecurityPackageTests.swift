import Testing

@testable import Host

@Suite struct SecurityPackageTests {
    let v = InputValidator(config: SecurityConfig())

    @Test(arguments: [
        "requests", "six==1.16.0", "numpy>=1.24,<2", "Django~=4.2", "uvicorn[standard]", "zope.interface",
        "typing_extensions!=4.0",
    ])
    func pipSpecs_Pass(spec: String) {
        #expect(v.validatePackages(manager: "pip", names: [spec], flags: []) == nil)
    }

    @Test(arguments: [
        "express", "lodash@4.17.21", "@types/node", "@scope/pkg@^1.2.0", "react@~18.2", "left-pad@latest",
    ])
    func npmSpecs_Pass(spec: String) {
        #expect(v.validatePackages(manager: "npm", names: [spec], flags: []) == nil)
    }

    @Test(arguments: [
        ("requests; rm -rf ~", Violation.Rule.packageMetacharacter), ("a && b", Violation.Rule.packageMetacharacter),
        ("a|b", Violation.Rule.packageMetacharacter), ("$(id)", Violation.Rule.packageMetacharacter),
        ("`id`", Violation.Rule.packageMetacharacter), ("six\nevil", Violation.Rule.packageMetacharacter),
        ("--index-url=http://evil/simple", Violation.Rule.packageOption), ("-e", Violation.Rule.packageOption),
        ("git+https://example.invalid/x.git", Violation.Rule.packageURL),
        ("https://example.invalid/x.whl", Violation.Rule.packageURL),
        ("file:/etc/passwd", Violation.Rule.packageLocalPath), ("file:../../x", Violation.Rule.packageLocalPath),
        ("/abs/pkg", Violation.Rule.packageLocalPath), ("", Violation.Rule.packageEmpty),
        ("bad name", Violation.Rule.packageInvalidName), ("-", Violation.Rule.packageOption),
    ])
    func pipSpecs_AreRejectedByRule(spec: String, rule: String) {
        #expect(v.validatePackages(manager: "pip", names: [spec], flags: [])?.rule == rule)
    }

    @Test func npmRepositoryShorthandAndProtocols_AreRejected() {
        #expect(v.validatePackages(manager: "npm", names: ["user/repo"], flags: [])?.rule == Violation.Rule.packageURL)
        #expect(
            v.validatePackages(manager: "npm", names: ["github:user/repo"], flags: [])?.rule
                == Violation.Rule.packageURL)
        #expect(
            v.validatePackages(manager: "npm", names: ["evil@npm:other"], flags: [])?.rule == Violation.Rule.packageURL)
    }

    /// The shared grammar refuses `<`/`>` in npm specs (the drivers always did; the host used to let them through).
    @Test func npmRangeOperators_AreRefusedLikeTheDriversDo() {
        #expect(
            v.validatePackages(manager: "npm", names: ["react@>=18"], flags: [])?.rule
                == Violation.Rule.packageMetacharacter)
    }

    @Test func localSpecsInsideWorkspace_Pass() {
        #expect(v.validatePackages(manager: "npm", names: ["file:./lib"], flags: []) == nil)
        #expect(v.validatePackages(manager: "pip", names: ["./mypkg"], flags: []) == nil)
    }

    @Test func configCanAllowURLs() {
        var c = SecurityConfig(); c.allowPackageURLs = true
        let lax = InputValidator(config: c)
        #expect(lax.validatePackages(manager: "pip", names: ["git+https://example.invalid/x.git"], flags: []) == nil)
        // Local paths stay inside the workspace whatever allowPackageURLs says (the drivers always refused them).
        #expect(
            lax.validatePackages(manager: "pip", names: ["file:/opt/wheels/x.whl"], flags: [])?.rule
                == Violation.Rule.packageLocalPath)
        #expect(
            lax.validatePackages(manager: "pip", names: ["x; id"], flags: [])?.rule
                == Violation.Rule.packageMetacharacter)
    }

    @Test func flags_OnlyAllowedOnesPass() {
        #expect(v.validatePackages(manager: "pip", names: ["six"], flags: ["--upgrade", "--no-deps"]) == nil)
        #expect(
            v.validatePackages(manager: "pip", names: ["six"], flags: ["--index-url=http://x"])?.rule
                == Violation.Rule.packageFlag)
        #expect(v.validatePackages(manager: "pip", names: ["six"], flags: ["-e"])?.rule == Violation.Rule.packageFlag)
    }

    @Test func tooManyPackages_AreRejected() {
        #expect(
            v.validatePackages(manager: "pip", names: Array(repeating: "six", count: 101), flags: [])?.rule
                == Violation.Rule.packageCount)
    }
}
