import Testing

@testable import DriverKit

/// VersionedFiles: a version's directory name depends on every name and text, and nothing else.
@Suite struct VersionedFilesTests {
    @Test func theSameFilesGiveTheSameVersionAndAnyChangeAnother() {
        let a = VersionedFiles.version(of: [("runner.ts", "x"), ("control.mjs", "y")])
        #expect(a == VersionedFiles.version(of: [("runner.ts", "x"), ("control.mjs", "y")]))
        #expect(a.count == 16)
        #expect(a != VersionedFiles.version(of: [("runner.ts", "x"), ("control.mjs", "y2")]))
        #expect(a != VersionedFiles.version(of: [("runner.ts", "x"), ("control.js", "y")]))
        // Length-prefixed: moving bytes between a name and a text is another version.
        #expect(VersionedFiles.version(of: [("ab", "c")]) != VersionedFiles.version(of: [("a", "bc")]))
    }
}
