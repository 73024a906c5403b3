import DriverKit
import DriverProtocol
import Testing

/// Defence in depth: a driver checks a shell `cwd` with the shared `SandboxPath` rules itself instead of
/// trusting the host (it used to join any absolute path as given).
@Suite struct ShellRequestCwdTests {
    func request(_ cwd: String) throws(WireError) -> ShellParams {
        try ShellParams(json: .object(["session": .string("s"), "command": .string("pwd"), "cwd": .string(cwd)]))
    }

    @Test(arguments: [("/workspace", "/workspace"), ("sub", "/workspace/sub"), ("/workspace/a/../b", "/workspace/b")])
    func workspacePaths_AreNormalised(_ cwd: String, _ expected: String) throws {
        #expect(try request(cwd).cwd == expected)
    }

    @Test(arguments: ["/", "/etc", "/tmp", "../x", "/workspace/../\u{301}x", "~", "a\nb"])
    func otherPaths_AreRefused(_ cwd: String) {
        #expect(throws: WireError.self, "\(cwd.debugDescription)") { try request(cwd) }
    }
}
