import Foundation
import Glibc
import Testing

@testable import Host

/// A `/` followed by a combining mark is one Swift `Character` but a separator to the kernel. The path rule
/// used to split on Characters, so `/workspace/../\u{301}x` became the single component `../\u{301}x`, and
/// `openat(root, "../\u{301}x")` wrote beside the workspace on the host. The shared `SandboxPath` splits bytes.
@Suite struct WorkspacePathEscapeTests {
    @Test(arguments: ["/workspace/../\u{301}", "../\u{301}", "a/../../\u{301}"])
    func aSlashFollowedByACombiningMarkDoesNotHideDotDot(_ prefix: String) throws {
        let t = TempWorkspace(); defer { t.cleanup() }
        let tail = "cb-escape-" + UUID().uuidString
        let outside = (t.dir as NSString).deletingLastPathComponent + "/\u{301}" + tail
        defer { unlink(outside); rmdir(outside) }
        let path = prefix + tail
        #expect(throws: WorkspaceError.self) { try t.ws.write(path, content: "PWNED") }
        #expect(throws: WorkspaceError.self) { try t.ws.createDirectory(path) }
        #expect(access(outside, F_OK) != 0, "a file appeared beside the workspace: \(outside)")
    }
}
