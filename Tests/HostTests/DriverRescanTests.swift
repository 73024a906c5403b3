import Testing

@testable import Host

/// The install/remove rules of `DriverRegistry.rescan`, without processes.
@Suite struct DriverRescanTests {
    func found(_ name: String, _ dir: String = "/usr/lib/codebeaker/drivers") -> DriverDiscovery.Found {
        .init(name: name, path: "\(dir)/codebeaker-driver-\(name)")
    }

    @Test func nothingChanged_IsEmpty() {
        let r = DriverRescan.diff(
            running: ["python": found("python").path], found: [found("python")])
        #expect(r.isEmpty)
    }

    @Test func anInstalledDriverIsAdded_ARemovedOneIsRemoved() {
        let r = DriverRescan.diff(
            running: ["python": found("python").path, "node": found("node").path],
            found: [found("python"), found("deno")])
        #expect(r.added == [found("deno")])
        #expect(r.removed == ["node"])
    }

    @Test func aDriverWhoseExecutableMoved_IsReplaced() {
        // A hand-installed driver in /usr/local now shadows the packaged one.
        let local = found("node", "/usr/local/lib/codebeaker/drivers")
        let r = DriverRescan.diff(running: ["node": found("node").path], found: [local])
        #expect(r.removed == ["node"])
        #expect(r.added == [local])
    }

    @Test func everythingRemoved_RemovesInNameOrder() {
        let r = DriverRescan.diff(running: ["python": "/a", "bun": "/b", "node": "/c"], found: [])
        #expect(r.removed == ["bun", "node", "python"])
        #expect(r.added.isEmpty)
    }
}

@Suite struct DriverRescanRetryTests {
    @Test func retriedDriversAreReplacedEvenWithTheSamePath_OthersAreLeftAlone() {
        let deno = DriverDiscovery.Found(name: "deno", path: "/d/codebeaker-driver-deno")
        let python = DriverDiscovery.Found(name: "python", path: "/d/codebeaker-driver-python")
        let r = DriverRescan.diff(
            running: ["deno": deno.path, "python": python.path], found: [deno, python], retry: ["deno"])
        #expect(r.removed == ["deno"])
        #expect(r.added == [deno])
    }

    @Test func aRetriedDriverThatIsGone_IsOnlyRemoved() {
        let r = DriverRescan.diff(running: ["deno": "/d/codebeaker-driver-deno"], found: [], retry: ["deno"])
        #expect(r.removed == ["deno"] && r.added.isEmpty)
    }
}
