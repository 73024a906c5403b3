import Testing

@testable import Host

/// The security layer's path pre-check uses the shared `SandboxPath` rules: every climb above /workspace is an
/// audited traversal (the old byte walk counted `workspace` as a level, so `/workspace/../etc` passed it).
@Suite struct SecurityPathRulesTests {
    let v = InputValidator(config: SecurityConfig())

    @Test(arguments: [
        "/workspace/../etc/passwd", "/workspace/..", "/workspace/a/../../x", "/workspace/../\u{301}x",
        "../\u{301}x", "~/../../etc", "../x\n",
    ])
    func climbsAboveTheWorkspace_AreTraversals(_ path: String) {
        #expect(v.validatePath(path)?.rule == Violation.Rule.pathTraversal, "\(path.debugDescription)")
    }

    /// Other refusals are the workspace's, with its own message (`success:false`), as before.
    @Test(arguments: ["/etc/passwd", "~/x", "a\u{2028}b", String(repeating: "n", count: 256)])
    func otherRefusals_AreLeftToTheWorkspace(_ path: String) {
        #expect(v.validatePath(path, checkExtension: false) == nil, "\(path.debugDescription)")
    }

    @Test func withoutRestrictFilesystem_ClimbsAreLeftToTheWorkspace() {
        var c = SecurityConfig(); c.sandboxRestrictFilesystem = false
        #expect(InputValidator(config: c).validatePath("../x") == nil)
    }
}
