import DriverProtocol
import Foundation
import Testing

@testable import Host

@Suite struct DriverDiscoveryTests {
    let root = NSTemporaryDirectory() + "cb-discovery-\(UUID().uuidString)"

    func file(_ dir: String, _ name: String, executable: Bool = true) throws {
        let d = root + "/" + dir
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(
            atPath: d + "/" + name, contents: Data("#!/bin/sh\n".utf8),
            attributes: [.posixPermissions: executable ? 0o755 : 0o644])
    }

    @Test func firstDirectoryWins_NonExecutablesAndOtherNamesAreSkipped_WithAWarning() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try file("a", "codebeaker-driver-python")
        try file("a", "codebeaker-driver-ruby", executable: false)
        try file("a", "codebeaker-driver-node.swiftmodule")
        try file("a", "README")
        try file("b", "codebeaker-driver-python")
        try file("b", "codebeaker-driver-ruby")
        try FileManager.default.createDirectory(
            atPath: root + "/b/codebeaker-driver-dir", withIntermediateDirectories: true)
        let log = DriverTestSupport.LogCapture()
        let found = DriverDiscovery(
            directories: [root + "/a", root + "/missing", root + "/b"], logger: Logger("drivers", sink: log.sink)
        ).discover()
        #expect(
            found == [
                .init(name: "python", path: root + "/a/codebeaker-driver-python"),
                .init(name: "ruby", path: root + "/b/codebeaker-driver-ruby"),
            ])
        #expect(log.all.contains { $0.contains("not executable") && $0.contains("a/codebeaker-driver-ruby") })
    }

    @Test func defaultDirectories_AreTheBinarysDirectoryThenTheSystemOne() {
        let dirs = DriverDiscovery.defaultDirectories()
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        #expect(dirs == [(exe as NSString).deletingLastPathComponent, "/usr/local/lib/codebeaker/drivers"])
    }

    @Test func driverNames_AreLettersDigitsDashAndUnderscore() {
        #expect(DriverDiscovery.isValidName("python3_x-2"))
        #expect(!DriverDiscovery.isValidName("node.swiftmodule"))
        #expect(!DriverDiscovery.isValidName(""))
        #expect(!DriverDiscovery.isValidName("a b"))
    }
}

extension DriverProcessTests {
    @Suite struct Registry {
        @Test func startsEveryDriverConcurrently_ReportsEach_AndFindsClientsByLanguageOrAlias() async throws {
            let support = DriverTestSupport.self
            let registry = DriverRegistry(
                drivers: [
                    .init(name: "bash", path: support.exampleBashDriver),
                    .init(name: "cobol", path: support.fixture("unavailable.py")),
                    .init(name: "wrong", path: support.fixture("wrong-version.py")),
                ], config: support.fastConfig(), logSink: support.LogCapture().sink)
            #expect(!registry.anyReady)
            registry.start()
            #expect(await registry.waitUntilSettled(timeout: 10))
            #expect(registry.anyReady)
            let states = registry.snapshot().array?.compactMap { $0["state"]?.string }
            #expect(states == ["ready", "unavailable", "failed"])
            #expect(registry.client(forLanguage: "SH")?.name == "bash")
            #expect(registry.client(forLanguage: "cobol") == nil)
            await registry.shutdownAll()
            #expect(registry.supervisors.allSatisfy { $0.pid == nil })
        }
    }
}
