import Foundation
import Testing

@testable import DriverKit

/// Where the deno and bun drivers find their binary: PATH, then the directories setup.sh links into, never a
/// shim or a Python entry point (those need the host's interpreter inside the sandbox).
@Suite struct RuntimeLocatorTests {
    let dir = NSTemporaryDirectory() + "cb-locator-" + UUID().uuidString
    let name = "cb-locator-tool-\(getpid())"  // on no PATH

    init() throws {
        for sub in ["shims", "bin"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
        }
        try "#!/bin/sh\nexec python3 -m tool \"$@\"\n".write(
            toFile: "\(dir)/shims/\(name)", atomically: true, encoding: .utf8)
        chmod("\(dir)/shims/\(name)", 0o755)
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: "\(dir)/bin/\(name)")
    }

    @Test func aBinaryInAStandardDirectoryIsFoundWhenPATHLacksIt() {
        #expect(
            RuntimeLocator.find(env: "CB_LOCATOR_TEST_UNSET", name: name, standardDirs: ["\(dir)/bin"])
                == "\(dir)/bin/\(name)")
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func aShimBeforeTheBinaryIsSkipped() {
        let found = RuntimeLocator.find(
            env: "CB_LOCATOR_TEST_UNSET", name: name, standardDirs: ["\(dir)/shims", "\(dir)/bin"])
        #expect(found == "\(dir)/bin/\(name)")
        #expect(RuntimeLocator.find(env: "CB_LOCATOR_TEST_UNSET", name: name, standardDirs: ["\(dir)/shims"]) == nil)
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func theDefaultsAreSystemDirectoriesOnly() {
        #expect(RuntimeLocator.standardDirs == ["/usr/local/bin", "/usr/bin"])
        try? FileManager.default.removeItem(atPath: dir)
    }
}
