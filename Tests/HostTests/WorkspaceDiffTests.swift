import Foundation
import Host
import Testing

@Suite struct WorkspaceDiffTests {
    /// Applying diff(old → new) to old must give new, byte for byte.
    func roundTrip(_ old: String, _ new: String) throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("f.txt", content: old)
        let d = try t.ws.diff("f.txt", content: new)
        #expect(d.diff.isEmpty == (old == new))
        if old == new { return }
        let r = try t.ws.applyPatch(d.diff)
        #expect(r.changes == [.init(path: "/workspace/f.txt", action: "modified")])
        #expect(t.hostContent("f.txt") == new)
    }

    @Test func roundTripsEditsInsertsDeletesAndNewlineChanges() throws {
        try roundTrip("a\nb\nc\n", "a\nB\nc\n")
        try roundTrip("a\nb\nc\n", "a\nc\n")
        try roundTrip("a\nc\n", "a\nb\nc\nd\n")
        try roundTrip("a\nb", "a\nb\n")  // adds the final newline
        try roundTrip("a\nb\n", "a\nb")  // removes it
        try roundTrip("x\n", "")  // empties the file
        try roundTrip("same\n", "same\n")
        let long = (1...60).map { "line \($0)\n" }.joined()
        try roundTrip(
            long,
            long.replacingOccurrences(of: "line 5\n", with: "five\n").replacingOccurrences(of: "line 50\n", with: ""))
    }

    @Test func diffIsMinimalUnifiedText() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("f.txt", content: "a\nb\nc\n")
        let d = try t.ws.diff("/workspace/f.txt", content: "a\nB\nc\n")
        #expect(d.diff == "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
        #expect(d.stats == UnifiedDiff.Stats(additions: 1, deletions: 1))
    }

    @Test func diffBetweenTwoFiles() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("x", content: "1\n2\n")
        _ = try t.ws.write("y", content: "1\n3\n")
        let d = try t.ws.diff("x", otherPath: "y")
        #expect(d.diff.contains("-2\n+3\n") && d.otherPath == "/workspace/y")
    }

    @Test func multiFilePatchCreatesModifiesAndDeletes() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("keep.py", content: "x = 1\n")
        _ = try t.ws.write("gone.txt", content: "bye\n")
        let patch = """
            diff --git a/keep.py b/keep.py
            --- a/keep.py
            +++ b/keep.py
            @@ -1 +1,2 @@
            -x = 1
            +x = 2
            +y = 3
            --- /dev/null
            +++ b/pkg/new.py
            @@ -0,0 +1 @@
            +print('new')
            --- a/gone.txt
            +++ /dev/null
            @@ -1 +0,0 @@
            -bye

            """
        let r = try t.ws.applyPatch(patch)
        #expect(r.changes.map(\.action) == ["modified", "created", "deleted"])
        #expect(t.hostContent("keep.py") == "x = 2\ny = 3\n")
        #expect(t.hostContent("pkg/new.py") == "print('new')\n")
        #expect(t.hostContent("gone.txt") == nil)
    }

    @Test func failingHunkChangesNothingAndNamesTheHunk() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("a.txt", content: "one\ntwo\n")
        _ = try t.ws.write("b.txt", content: "three\n")
        let patch =
            "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+ONE\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-nope\n+NOPE\n"
        do {
            _ = try t.ws.applyPatch(patch)
            Issue.record("patch should fail")
        } catch {
            #expect(error.kind == .patchFailed)
            #expect(error.message.contains("Hunk #1 (@@ -1 +1 @@)") && error.message.contains("/workspace/b.txt"))
        }
        #expect(t.hostContent("a.txt") == "one\ntwo\n")  // all or nothing
    }

    @Test func hunkAppliesAtAnOffsetButNeverWithFuzz() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        _ = try t.ws.write("f", content: "new top\nnew top 2\na\nb\nc\n")
        _ = try t.ws.applyPatch("--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
        #expect(t.hostContent("f") == "new top\nnew top 2\na\nB\nc\n")
        #expect(throws: WorkspaceError.self) {
            try t.ws.applyPatch("--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-B\n+b\n C\n")
        }
    }

    @Test func patchPathsCannotEscapeTheWorkspace() throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        #expect(throws: WorkspaceError.self) {
            try t.ws.applyPatch("--- /dev/null\n+++ b/../../tmp/evil\n@@ -0,0 +1 @@\n+x\n")
        }
        #expect(throws: WorkspaceError.self) {
            try t.ws.applyPatch("--- /dev/null\n+++ /etc/evil\n@@ -0,0 +1 @@\n+x\n")
        }
        t.symlink("link", to: "/tmp")
        #expect(throws: WorkspaceError.self) {
            try t.ws.applyPatch("--- /dev/null\n+++ b/link/evil\n@@ -0,0 +1 @@\n+x\n")
        }
    }

    @Test func malformedPatchesAreRejected() {
        #expect(throws: WorkspaceError.self) { try UnifiedPatch(parsing: "just text") }
        #expect(throws: WorkspaceError.self) { try UnifiedPatch(parsing: "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n") }
        #expect(throws: WorkspaceError.self) { try UnifiedPatch(parsing: "--- a/x\n+++ b/x\n@@ bogus @@\n") }
    }

    @Test func lineDiffFindsAMinimalScript() {
        let a = ["a\n", "b\n", "c\n", "a\n", "b\n", "b\n", "a\n"], b = ["c\n", "b\n", "a\n", "b\n", "a\n", "c\n"]
        let edits = LineDiff.diff(a, b)
        #expect(edits.filter { $0.op != .equal }.count == 5)  // Myers' paper example: D = 5
        // Replaying the script over a gives b.
        var out: [String] = []
        for e in edits where e.op != .delete { out.append(e.op == .insert ? b[e.new] : a[e.old]) }
        #expect(out == b)
    }
}
