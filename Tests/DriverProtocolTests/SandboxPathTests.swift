import Testing

@testable import DriverProtocol

/// The one in-sandbox path rule set, table-driven: what is accepted and where it lands, and each refusal with
/// its reason. Hostile cases include every position of `..`, encodings and look-alikes the kernel does not
/// normalise (literal names, so harmless), and the byte-vs-Character split.
@Suite struct SandboxPathTests {
    static let acceptedCases: [(String, String)] = [
        ("/workspace", "/workspace"), ("/workspace/", "/workspace"), ("/workspace/hello.py", "/workspace/hello.py"),
        ("a/b.txt", "/workspace/a/b.txt"), ("./a/../b", "/workspace/b"), ("a//./b/", "/workspace/a/b"),
        ("x/..", "/workspace"), ("a/b/../../c", "/workspace/c"), (".", "/workspace"),
        // Encodings are not decoded: literal names inside the workspace.
        ("%2e%2e/%2e%2e/etc/passwd", "/workspace/%2e%2e/%2e%2e/etc/passwd"),
        ("..%2f..%2fetc", "/workspace/..%2f..%2fetc"),
        ("%c0%ae%c0%ae/x", "/workspace/%c0%ae%c0%ae/x"), ("..;/x", "/workspace/..;/x"),
        ("..\\..\\x", "/workspace/..\\..\\x"),
        ("....//x", "/workspace/..../x"), ("...", "/workspace/..."),
        // Look-alike dots and slashes: the kernel does not normalise them, so they are names, not `..` or `/`.
        ("\u{2025}/x", "/workspace/\u{2025}/x"), ("\u{FF0E}\u{FF0E}/x", "/workspace/\u{FF0E}\u{FF0E}/x"),
        (".\u{200B}./x", "/workspace/.\u{200B}./x"), ("a\u{2215}..\u{2215}b", "/workspace/a\u{2215}..\u{2215}b"),
        ("\u{FF0F}etc", "/workspace/\u{FF0F}etc"), ("..\u{301}", "/workspace/..\u{301}"),
        // `~` is only a home at the very start.
        ("a/~", "/workspace/a/~"), ("/workspace/~x", "/workspace/~x"), ("./~", "/workspace/~"),
        ("é/ü.py", "/workspace/é/ü.py"),
        (String(repeating: "n", count: 255), "/workspace/" + String(repeating: "n", count: 255)),
        // A combining mark after a slash: the byte split still sees `..` and the real separator.
        ("a/\u{301}../..", "/workspace/a"),
    ]

    @Test(arguments: acceptedCases)
    func accepted(_ input: String, _ expected: String) throws {
        #expect(try SandboxPath(input).description == expected)
    }

    static let refusedCases: [(String, SandboxPathError.Reason)] = [
        ("", .empty),
        ("\u{0}", .nul), ("a\u{0}b", .nul), ("../x\u{0}.txt", .nul),
        (String(repeating: "a/", count: 2048) + "b", .tooLong),
        (String(repeating: "n", count: 256), .componentTooLong),
        ("a\nb", .controlCharacter), ("a\rb", .controlCharacter), ("\tx", .controlCharacter),
        ("\u{1}", .controlCharacter),
        ("\u{1B}[31mred", .controlCharacter), ("x\u{7F}", .controlCharacter), ("x\u{85}", .controlCharacter),
        ("x\u{9F}", .controlCharacter), ("x\u{2028}y", .controlCharacter), ("x\u{2029}y", .controlCharacter),
        ("/etc/passwd", .outsideMount), ("/workspace2/x", .outsideMount), ("/workspacex", .outsideMount),
        ("/", .outsideMount), ("//workspace/x", .outsideMount), ("/./workspace/x", .outsideMount),
        ("/tmp/../workspace/x", .outsideMount), ("/WORKSPACE/x", .outsideMount),
        // `..` in every position.
        ("..", .climbsAbove), ("../x", .climbsAbove), ("./..", .climbsAbove), ("a/../..", .climbsAbove),
        ("a/../../x", .climbsAbove), ("/workspace/..", .climbsAbove), ("/workspace/../etc/passwd", .climbsAbove),
        ("/workspace/a/../../x", .climbsAbove), ("a/b/../../../x", .climbsAbove), ("x/../../", .climbsAbove),
        (String(repeating: "../", count: 12) + "tmp/x", .climbsAbove),
        // `/` + a combining mark is one Character but two things to the kernel.
        ("../\u{301}x", .climbsAbove), ("/workspace/../\u{301}x", .climbsAbove), ("a/../../\u{301}x", .climbsAbove),
        // A climb is reported as one even when something else is wrong too (the host audits climbs).
        ("../x\n", .climbsAbove), ("~/../../etc", .climbsAbove),
        ("~", .home), ("~/x", .home), ("~user", .home), ("~root/.ssh/id_rsa", .home),
    ]

    @Test(arguments: refusedCases)
    func refused(_ input: String, _ reason: SandboxPathError.Reason) {
        do {
            let p = try SandboxPath(input)
            Issue.record("accepted \(input.debugDescription) as \(p)")
        } catch {
            #expect(error.reason == reason, "\(input.debugDescription)")
        }
    }

    @Test func everyReasonIsCoveredByTheTable() {
        #expect(Set(Self.refusedCases.map(\.1)) == Set(SandboxPathError.Reason.allCases))
    }

    /// The wording clients have always seen (docs/api.md, "Workspace paths"); it names the client's path only.
    @Test func messagesKeepTheirWording() {
        func message(_ s: String) -> String {
            do { _ = try SandboxPath(s); return "" } catch { return error.message }
        }
        #expect(message("") == "Invalid path: path is empty")
        #expect(message("a\u{0}b") == "Invalid path: contains a NUL byte")
        #expect(
            message("/workspace2/x")
                == "Path outside the workspace: /workspace2/x (absolute paths must be under /workspace)")
        #expect(message("../etc") == "Path outside the workspace: ../etc (.. climbs above /workspace)")
        #expect(message(String(repeating: "n", count: 256)).hasPrefix("Invalid path: a component of nnn"))
        #expect(message("a\u{1B}b") == "Invalid path: contains a control character")
    }

    @Test func outsideReasonsAreTheOnesThatLeaveTheWorkspace() {
        let leaving = Set(SandboxPathError.Reason.allCases.filter { SandboxPathError($0, path: "x").leavesWorkspace })
        #expect(leaving == [.outsideMount, .climbsAbove, .home])
    }

    @Test func componentsParentAndRelative() throws {
        let p = try SandboxPath("/workspace/a/b.txt")
        #expect(p.components == ["a", "b.txt"] && p.name == "b.txt" && p.relative == "a/b.txt")
        #expect(p.parent.description == "/workspace/a" && p.parent.parent.isRoot)
        #expect(p.parent.appending("c").description == "/workspace/a/c")
    }
}
