import Testing

@testable import codebeaker_driver_runtimes

@Suite struct ManifestSetTests {
    func file(_ path: String, _ text: String) -> ManifestSet.File { .init(path: path, text: .success(text)) }
    func lang(_ name: String, _ cmd: String) -> String { #"{"name":"\#(name)","source":"m","run":["\#(cmd)"]}"# }

    @Test func laterDirectoriesOverrideEarlierOnesByName() {
        let set = ManifestSet.merge([
            file("/a/ruby.json", lang("ruby", "ruby1")), file("/a/c.json", lang("c", "cc")),
            file("/b/ruby.json", lang("ruby", "ruby2")),
        ])
        #expect(set.entries.map(\.name) == ["ruby", "c"])
        guard case .ok(let m) = set.entries[0] else { Issue.record("ruby broken"); return }
        #expect(m.run == ["ruby2"] && m.path == "/b/ruby.json")
    }

    @Test func aBrokenOverrideMakesTheLanguageUnavailableAndLeavesTheOthers() {
        let set = ManifestSet.merge([
            file("/a/ruby.json", lang("ruby", "ruby")), file("/a/c.json", lang("c", "cc")),
            file("/b/ruby.json", #"{"name":"ruby","source":"m","run":["r"],"colour":1}"#),
            .init(path: "/b/gone.json", text: .failure(.init(file: "/b/gone.json", problem: "cannot read the file"))),
        ])
        #expect(set.entries.map(\.name) == ["ruby", "c", "gone"])
        guard case .broken(_, let e) = set.entries[0] else { Issue.record("ruby not broken"); return }
        #expect(e.file == "/b/ruby.json" && e.key == "colour")
        guard case .ok = set.entries[1] else { Issue.record("c broken"); return }
    }

    @Test func directoriesResolveFromTheEnvironmentOrTheBinary() {
        #expect(
            ManifestDirectories.resolve(executable: nil, environment: ["CODEBEAKER_RUNTIMES_DIRS": "/x::/y"])
                == ["/x", "/y"])
        #expect(
            ManifestDirectories.resolve(executable: "/src/cb/.build/x86_64-unknown-linux-gnu/debug/d", environment: [:])
                == ["/src/cb/runtimes", "/etc/codebeaker/runtimes.d"])
        #expect(
            ManifestDirectories.shipped(executable: "/opt/lib/codebeaker/drivers/codebeaker-driver-runtimes")
                == "/opt/share/codebeaker/runtimes")
        #expect(ManifestDirectories.shipped(executable: "/somewhere/d") == "/usr/local/share/codebeaker/runtimes")
    }
}
