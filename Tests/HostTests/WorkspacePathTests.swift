import Testing
import Host

@Suite struct WorkspacePathTests {
    @Test func mapsWorkspaceAbsoluteRelativeAndDotPaths() throws {
        #expect(try WorkspacePath("/workspace/hello.py").components == ["hello.py"])
        #expect(try WorkspacePath("/workspace").isRoot)
        #expect(try WorkspacePath("/workspace/").isRoot)
        #expect(try WorkspacePath("a/b.txt").components == ["a", "b.txt"])
        #expect(try WorkspacePath("./a/../b").components == ["b"])
        #expect(try WorkspacePath("a//./b/").description == "/workspace/a/b")
    }

    @Test func rejectsDotDotEscapingTheRoot() {
        #expect(throws: WorkspaceError.self) { try WorkspacePath("../etc/passwd") }
        #expect(throws: WorkspaceError.self) { try WorkspacePath("/workspace/../etc/passwd") }
        #expect(throws: WorkspaceError.self) { try WorkspacePath("a/../../x") }
    }

    @Test func rejectsAbsoluteHostPathsAndLookalikePrefixes() {
        for p in ["/etc/passwd", "/workspace2/x", "/workspacex", "/", "/tmp/../workspace/x"] {
            #expect(throws: WorkspaceError.self, "\(p)") { try WorkspacePath(p) }
        }
    }

    @Test func rejectsNulBytesAndEmptyPaths() {
        #expect(throws: WorkspaceError.self) { try WorkspacePath("a\u{0}b") }
        #expect(throws: WorkspaceError.self) { try WorkspacePath("") }
    }

    @Test func percentEncodingIsTakenLiterally() throws {
        #expect(try WorkspacePath("%2e%2e/%2e%2e/etc/passwd").components == ["%2e%2e", "%2e%2e", "etc", "passwd"])
    }

    @Test func errorMessagesNameTheClientPathNotTheHostPath() {
        do {
            _ = try WorkspacePath("/workspace2/x")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .outsideWorkspace)
            #expect(error.message.contains("/workspace2/x"))
        }
    }
}
