import DriverProtocol
import Foundation
import Glibc
import Host
import Testing

@Suite struct WorkspaceFileTests {
    @Test func writeThenReadReturnsTheSeedShapes() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        let w = try t.ws.write("/workspace/hello.py", content: "print('Hello, World!')", mode: .create)
        #expect(w.json == ["path": "/workspace/hello.py", "bytes": 22])
        let r = try t.ws.read("/workspace/hello.py")
        #expect(r.json["content"] == "print('Hello, World!')")
        #expect(r.json["bytes"] == 22)
        #expect(!r.truncated)
    }

    @Test func createOverwritesAndAppendAppends() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("f.txt", content: "long original text")
        _ = try t.ws.write("f.txt", content: "new", mode: .create)
        #expect(t.hostContent("f.txt") == "new")
        _ = try t.ws.write("f.txt", content: "+more", mode: .append)
        #expect(t.hostContent("f.txt") == "new+more")
        _ = try t.ws.write("f.txt", content: "over", mode: .overwrite)
        #expect(t.hostContent("f.txt") == "over")
    }

    @Test func writeCreatesParentDirectories() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("a/b/c.txt", content: "x")
        #expect(t.hostContent("a/b/c.txt") == "x")
    }

    @Test func base64RoundTripsBinary() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        let bytes: [UInt8] = [0, 255, 1, 128, 10, 13]
        let w = try t.ws.write("bin", content: Data(bytes).base64EncodedString(), encoding: .base64)
        #expect(w.bytes == 6)
        let r = try t.ws.read("bin", encoding: .base64)
        #expect(Data(base64Encoded: r.content).map(Array.init) == bytes)
    }

    @Test func readsBeyondTheCapAreTruncatedAndWritesBeyondItRefused() throws {
        var limits = Workspace.Limits(); limits.maxFileBytes = 10
        let t = TempWorkspace(limits: limits); defer { t.cleanup() }
        t.plant("big", String(repeating: "x", count: 25))
        let r = try t.ws.read("big")
        #expect(r.truncated && r.bytes == 10 && r.size == 25)
        do {
            _ = try t.ws.write("w", content: String(repeating: "y", count: 11))
            Issue.record("wrote past the cap")
        } catch { #expect(error.kind == .tooLarge) }
    }

    @Test func missingFileSaysFileNotFoundWithTheClientPath() {
        let t = TempWorkspace(); defer { t.cleanup() }
        do {
            _ = try t.ws.read("/workspace/missing.py")
            Issue.record("expected not found")
        } catch { #expect(error.message == "File not found: /workspace/missing.py") }
        do {
            _ = try t.ws.read("/workspace/nodir/missing.py")
            Issue.record("expected not found")
        } catch { #expect(error.message == "File not found: /workspace/nodir/missing.py") }
    }

    @Test func copyAndCopyIntoDirectory() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("a.txt", content: "abc")
        let c = try t.ws.copy(from: "/workspace/a.txt", to: "/workspace/b.txt")
        #expect(c.bytes == 3 && t.hostContent("b.txt") == "abc")
        _ = try t.ws.createDirectory("dir")
        let c2 = try t.ws.copy(from: "a.txt", to: "dir")
        #expect(c2.destinationPath == "/workspace/dir/a.txt" && t.hostContent("dir/a.txt") == "abc")
    }

    @Test func deleteRemovesFilesAndTreesAndReportsMissing() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("d/e/f.txt", content: "1")
        _ = try t.ws.write("g.txt", content: "2")
        #expect(try t.ws.delete("g.txt").type == "file")
        #expect(try t.ws.delete("d").type == "directory")
        #expect(try t.ws.list().entries.isEmpty)
        #expect(throws: WorkspaceError.self) { try t.ws.delete("g.txt") }
    }

    @Test func listIsRecursiveWithPatternAndDepth() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("a.py", content: "1")
        _ = try t.ws.write("b.txt", content: "22")
        _ = try t.ws.write("src/c.py", content: "333")
        _ = try t.ws.write("src/deep/d.py", content: "4444")
        #expect(try t.ws.list().entries.map(\.name) == ["a.py", "b.txt", "src"])
        #expect(
            try t.ws.list(recursive: true, pattern: "*.py").entries.map(\.path)
                == ["/workspace/a.py", "/workspace/src/c.py", "/workspace/src/deep/d.py"])
        #expect(try t.ws.list(recursive: true, pattern: "*.py", maxDepth: 2).entries.count == 2)
        let entry = try t.ws.list("src").entries.first { $0.name == "c.py" }
        #expect(entry?.size == 3 && entry?.type == "file" && entry?.modified.hasSuffix("Z") == true)
    }

    @Test func mkdirIsIdempotent() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        #expect(try t.ws.createDirectory("/workspace/data/x").created)
        #expect(try !t.ws.createDirectory("/workspace/data/x").created)
    }

    @Test(.enabled(if: geteuid() == 0, "chown needs root"))
    func createdFilesAreChownedToTheSessionUser() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        let ws = Workspace(root: t.dir, uid: 100_123, gid: 100_124)
        _ = try ws.write("sub/f.txt", content: "x")
        var st = stat()
        #expect(stat(t.dir + "/sub/f.txt", &st) == 0 && st.st_uid == 100_123 && st.st_gid == 100_124)
        #expect(stat(t.dir + "/sub", &st) == 0 && st.st_uid == 100_123)
    }

    @Test func removeAllDeletesTheWorkspaceWithoutFollowingLinks() throws {
        let t = TempWorkspace()
        let outside = TempWorkspace(); defer { outside.cleanup() }
        outside.plant("keep", "k")
        _ = try t.ws.write("x/y", content: "1")
        t.symlink("x/out", to: outside.dir)
        try t.ws.removeAll()
        #expect(access(t.dir, F_OK) != 0)
        #expect(outside.hostContent("keep") == "k")
    }

    @Test func veryDeepTreesAreStillDeleted() throws {
        var limits = Workspace.Limits(); limits.maxDepth = 8
        let t = TempWorkspace(limits: limits)
        // User code builds a tree far deeper than the limit (and than any fd budget would allow).
        var fd = open(t.dir, O_RDONLY | O_DIRECTORY)
        for i in 0..<300 {
            mkdirat(fd, "d", 0o755)
            if i == 150 { close(openat(fd, "file", O_CREAT | O_WRONLY, 0o644)) }
            let next = openat(fd, "d", O_RDONLY | O_DIRECTORY)
            close(fd); fd = next
        }
        close(fd)
        _ = try t.ws.write("top.txt", content: "x")
        #expect(try t.ws.delete("d").type == "directory")
        #expect(try t.ws.list().entries.map(\.name) == ["top.txt"])
        _ = try t.ws.createDirectory(String(repeating: "e/", count: 40))
        try t.ws.removeAll()
        #expect(access(t.dir, F_OK) != 0)
    }
}
