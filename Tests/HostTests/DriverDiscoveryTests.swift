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
            directories: [root + "/a", root + "/missing", root + "/b"], includeDefaults: false,
            logger: Logger("drivers", sink: log.sink)
        ).discover()
        #expect(
            found == [
                .init(
                    name: "python", path: root + "/a/codebeaker-driver-python",
                    shadows: [root + "/b/codebeaker-driver-python"]),
                .init(name: "ruby", path: root + "/b/codebeaker-driver-ruby"),
            ])
        #expect(log.all.contains { $0.contains("not executable") && $0.contains("a/codebeaker-driver-ruby") })
    }

    @Test func configuredDirectories_AddToTheDefaults_AndShadowTheirDrivers_WithALogLineNamingBoth() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try file("mine", "codebeaker-driver-python")
        try file("builtin", "codebeaker-driver-python")
        try file("builtin", "codebeaker-driver-node")
        let log = DriverTestSupport.LogCapture()
        let path = DriverSearchPath(
            configured: [root + "/mine"], defaults: [.init(path: root + "/builtin", origin: .besideBinary)])
        let report = DriverDiscovery(searchPath: path, logger: Logger("drivers", sink: log.sink)).report()
        #expect(
            report.drivers.map(\.path) == [
                root + "/builtin/codebeaker-driver-node", root + "/mine/codebeaker-driver-python",
            ])
        #expect(report.drivers[1].shadows == [root + "/builtin/codebeaker-driver-python"])
        #expect(report.drivers[1].directory == root + "/mine")
        #expect(
            log.all.contains {
                $0.contains("shadows") && $0.contains("mine/codebeaker-driver-python")
                    && $0.contains("builtin/codebeaker-driver-python")
            })
    }

    @Test func aMissingConfiguredDirectory_IsAWarningAndAReportedProblem_AndTheDefaultsStillServe() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try file("builtin", "codebeaker-driver-python")
        try file("notadir-parent", "plainfile")
        let log = DriverTestSupport.LogCapture()
        let path = DriverSearchPath(
            configured: [root + "/nonexistent", root + "/notadir-parent/plainfile"],
            defaults: [.init(path: root + "/builtin", origin: .besideBinary)])
        let report = DriverDiscovery(searchPath: path, logger: Logger("drivers", sink: log.sink)).report()
        #expect(report.drivers.map(\.name) == ["python"])
        #expect(report.directories.map(\.problem) == ["not found (No such file or directory)", "not a directory", nil])
        #expect(log.all.contains { $0.contains("skipped") && $0.contains(root + "/nonexistent") })
        let text = DriversListing.render(report, states: [.object(["name": "python", "state": "ready"])])
        #expect(text.contains(root + "/nonexistent") && text.contains("WARNING: not found"))
        #expect(text.contains("from: \(root)/builtin (default: beside the binary)"))
    }

    @Test func noDefaults_SearchesOnlyTheConfiguredDirectories_AndSaysSo() {
        let log = DriverTestSupport.LogCapture()
        let path = DriverSearchPath(configured: ["/nonexistent-cb"], includeDefaults: false)
        #expect(path.entries == [.init(path: "/nonexistent-cb", origin: .configured)])
        let report = DriverDiscovery(searchPath: path, logger: Logger("drivers", sink: log.sink)).report()
        #expect(report.drivers.isEmpty && !report.includesDefaults)
        #expect(log.all.contains { $0.contains("--no-default-drivers") })
        #expect(DriversListing.render(report, states: []).contains("default directories not searched"))
    }

    @Test func theSameDirectoryNamedTwice_ThroughASymlink_IsSearchedOnce() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try file("real", "codebeaker-driver-python")
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/real")
        let path = DriverSearchPath(
            configured: [root + "/link/"], defaults: [.init(path: root + "/real", origin: .besideBinary)])
        #expect(path.entries.map(\.path) == [root + "/link/"])
        #expect(DriverDiscovery(searchPath: path).discover().first?.shadows == [])
    }

    @Test func driversList_ShowsOriginShadowsReasonAndHint_UnderEachDriver_ThenEveryDirectory() {
        let report = DriverDiscovery.Report(
            drivers: [
                .init(name: "cobol", path: "/d/codebeaker-driver-cobol"),
                .init(
                    name: "python", path: "/mine/codebeaker-driver-python",
                    shadows: ["/d/codebeaker-driver-python"]),
            ],
            directories: [
                .init(entry: .init(path: "/mine", origin: .configured), drivers: 1, problem: nil),
                .init(entry: .init(path: "/d", origin: .system), drivers: 2, problem: nil),
            ], includesDefaults: true)
        let states: [JSONValue] = [
            .object(["name": "python", "state": "ready"]),
            .object(["name": "cobol", "state": "unavailable", "reason": "cobc not found", "installHint": "apt"]),
        ]
        let lines = DriversListing.render(report, states: states).split(separator: "\n").map(String.init)
        #expect(
            lines[0].hasPrefix("DRIVER ") && lines[1].hasPrefix("cobol      unavailable  /d/codebeaker-driver-cobol"))
        #expect(
            lines[2...4] == [
                "           from: /d (default: system)", "           reason: cobc not found", "           install: apt",
            ])
        #expect(lines[5].hasPrefix("python     ready        /mine/codebeaker-driver-python"))
        #expect(
            lines[6...7] == ["           from: /mine (configured)", "           shadows: /d/codebeaker-driver-python"])
        #expect(lines.last?.contains("/d") == true && lines.last?.hasSuffix("2 drivers") == true)
    }

    @Test func defaultDirectories_AreTheBinarysDirectoryThenTheSystemOneThenThePackagesOne() {
        let dirs = DriverDiscovery.defaultDirectories()
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        #expect(
            dirs == [
                (exe as NSString).deletingLastPathComponent, "/usr/local/lib/codebeaker/drivers",
                "/usr/lib/codebeaker/drivers",
            ])
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
