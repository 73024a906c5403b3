import Glibc
import Host
import Testing

/// Symlink and special-file attacks that user code can stage between two host calls.
@Suite struct WorkspaceSafetyTests {
    @Test func symlinkToEtcCreatedBetweenCallsIsNotFollowed() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("/workspace/ok.txt", content: "fine")
        t.symlink("etc", to: "/etc")  // user code: ln -s /etc /workspace/etc
        #expect(throws: WorkspaceError.self) { try t.ws.read("/workspace/etc/passwd") }
        #expect(throws: WorkspaceError.self) { try t.ws.write("/workspace/etc/evil", content: "x") }
        #expect(throws: WorkspaceError.self) { try t.ws.list("/workspace/etc") }
        #expect(access("/etc/evil", F_OK) != 0)
    }

    @Test func symlinkAsFinalComponentIsRefusedForReadAndWrite() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        t.symlink("passwd", to: "/etc/passwd")
        do {
            _ = try t.ws.read("passwd")
            Issue.record("read through a symlink")
        } catch { #expect(error.kind == .symlink) }
        #expect(throws: WorkspaceError.self) { try t.ws.write("passwd", content: "pwned") }
        #expect(throws: WorkspaceError.self) { try t.ws.copy(from: "passwd", to: "copy") }
    }

    /// Copies and patches replace their target through a temp file and a rename: a link there is refused too,
    /// neither followed nor silently replaced.
    @Test func symlinkAsTheTargetOfACopyOrPatchIsRefused() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("plain", content: "ok\n")
        t.symlink("link", to: "/etc/hostname")
        t.symlink("dangling", to: "/nonexistent-cb-test")
        for target in ["link", "dangling"] {
            do {
                _ = try t.ws.copy(from: "plain", to: target)
                Issue.record("copy onto the link \(target)")
            } catch { #expect(error.kind == .symlink) }
        }
        #expect(throws: WorkspaceError.self) { try t.ws.applyPatch("--- a/link\n+++ b/link\n@@ -1 +1 @@\n-x\n+y\n") }
        var st = stat()
        #expect(lstat(t.dir + "/link", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK)
        #expect(lstat(t.dir + "/dangling", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK)
    }

    @Test func symlinkInAnIntermediateDirectoryIsRefused() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.createDirectory("a/b")
        t.symlink("a/b/up", to: "/")
        do {
            _ = try t.ws.read("a/b/up/etc/hostname")
            Issue.record("walked through an intermediate symlink")
        } catch { #expect(error.kind == .symlink) }
        #expect(throws: WorkspaceError.self) { try t.ws.createDirectory("a/b/up/tmp/cb-evil") }
    }

    @Test func directorySwappedForSymlinkAfterFirstCallIsRefused() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("data/x.txt", content: "1")
        // User code replaces the directory with a link to /etc between two host calls.
        _ = try t.ws.delete("data")
        t.symlink("data", to: "/etc")
        #expect(throws: WorkspaceError.self) { try t.ws.write("data/x.txt", content: "2") }
        #expect(throws: WorkspaceError.self) { try t.ws.read("data/hostname") }
    }

    @Test func deletingASymlinkRemovesTheLinkNotTheTarget() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        let outside = TempWorkspace(); defer { outside.cleanup() }
        outside.plant("keep.txt", "precious")
        t.symlink("link", to: outside.dir)
        let r = try t.ws.delete("link")
        #expect(r.type == "symlink")
        #expect(outside.hostContent("keep.txt") == "precious")
    }

    @Test func listingShowsSymlinksWithoutEnteringThem() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        t.symlink("root", to: "/")
        let r = try t.ws.list(recursive: true)
        #expect(r.entries.map(\.path) == ["/workspace/root"])
        #expect(r.entries.first?.type == "symlink")
    }

    @Test func fifoIsRefusedWithoutBlocking() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        mkfifo(t.dir + "/pipe", 0o644)
        #expect(throws: WorkspaceError.self) { try t.ws.read("pipe") }
        #expect(throws: WorkspaceError.self) { try t.ws.write("pipe", content: "x") }
    }

    @Test func hardLinkToAFileTheSessionDoesNotOwnIsRefused() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        let owned = Workspace(root: t.dir, uid: 123_456, gid: 123_456)
        let other = TempWorkspace(); defer { other.cleanup() }
        other.plant("secret", "s3cret")  // owned by root, not the session
        // Both temp workspaces live in one directory, so the link is always possible.
        try #require(link(other.dir + "/secret", t.dir + "/secret") == 0, "link: errno \(errno)")
        #expect(throws: WorkspaceError.self) { try owned.read("secret") }
        #expect(throws: WorkspaceError.self) { try owned.write("secret", content: "x") }
        #expect(other.hostContent("secret") == "s3cret")
    }

    @Test func escapesByPathAreRefusedByEveryOperation() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        for bad in ["../x", "/etc/passwd", "/workspace2/x", "a\u{0}b"] {
            #expect(throws: WorkspaceError.self) { try t.ws.write(bad, content: "x") }
            #expect(throws: WorkspaceError.self) { try t.ws.read(bad) }
            #expect(throws: WorkspaceError.self) { try t.ws.delete(bad) }
            #expect(throws: WorkspaceError.self) { try t.ws.createDirectory(bad) }
            #expect(throws: WorkspaceError.self) { try t.ws.copy(from: "a", to: bad) }
        }
        #expect(throws: WorkspaceError.self) { try t.ws.delete("/workspace") }
    }
}
