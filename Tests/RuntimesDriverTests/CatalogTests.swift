import DriverProtocol
import Foundation
import Glibc
import Testing

@testable import codebeaker_driver_runtimes

/// The catalog on real directories (manifests without a version probe, so no sandbox is needed): what it
/// publishes, and that `revision` moves only when the languages change.
@Suite struct CatalogTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cb-catalog-\(UUID().uuidString)").path

    func write(_ dir: String, _ name: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        // Through a temporary name, as docs/runtimes.md asks: the catalog never reads a half-written file.
        let tmp = root + "/" + dir + "/." + name + ".tmp"
        try text.write(toFile: tmp, atomically: false, encoding: .utf8)
        #expect(rename(tmp, root + "/" + dir + "/" + name) == 0)
    }

    @Test func revisionMovesOnlyWhenTheLanguagesChange() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("a", "sh.json", #"{"name":"sh","source":"m.sh","run":["sh","{source}"]}"#)
        let catalog = Catalog(scanner: ManifestScanner(directories: [root + "/a", root + "/b", root + "/missing"]))
        await catalog.refresh()
        #expect(catalog.revision == 1 && catalog.languages.map(\.name) == ["sh"] && catalog.languages[0].available)
        await catalog.refresh()
        #expect(catalog.revision == 1)
        try write("b", "sh.json", #"{"name":"sh","source":"m.sh","run":["dash","{source}"]}"#)
        try write("b", "awk.json", #"{"name":"awk","aliases":["gawk"],"source":"m.awk","run":["awk","-f","{source}"]}"#)
        await catalog.refresh()
        #expect(catalog.revision == 2 && catalog.languages.map(\.name) == ["sh", "awk"])
        #expect(catalog.language("sh")?.manifest?.run.first == "dash")
        #expect(catalog.language("GAWK")?.name == "awk")
        try write("b", "awk.json", #"{"name":"awk","source":"m.awk"}"#)
        await catalog.refresh()
        let awk = try #require(catalog.language("awk"))
        #expect(!awk.available && awk.unavailableReason?.contains("b/awk.json: key 'run': is required") == true)
        #expect(awk.capability.installHint?.hasPrefix("fix or remove ") == true)
        #expect(catalog.language("sh")?.available == true)
    }
}
