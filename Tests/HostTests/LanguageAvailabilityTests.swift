import DriverProtocol
import Host
import Testing

/// Per-language availability (a driver serving many languages, some missing): selection skips an unavailable
/// language and says why; `language.list` shows it with its reason, and versions for the others.
@Suite struct LanguageAvailabilityTests {
    static let ruby = DriverCapabilities.Language(name: "ruby", aliases: ["rb"], version: "3.1.2")
    static let cobol = DriverCapabilities.Language(
        name: "cobol", available: false, unavailableReason: "version probe `cobc --version` failed: exit 127",
        installHint: "apt-get install gnucobol")
    static let caps = DriverCapabilities(
        languages: [ruby, cobol], runtimeType: "Runtimes", isolationLevel: 6, startupMs: 50, memoryMB: 2)

    @Test func anUnavailableLanguageIsNotSelected_AndTheErrorGivesItsReasonAndHint() throws {
        let c = [RuntimeSelector.Candidate(name: "runtimes", capabilities: Self.caps, isReady: true)]
        #expect(try RuntimeSelector.select(language: "rb", candidates: c).driverLanguage == "ruby")
        #expect(RuntimeSelector.installedLanguages(c) == ["ruby"])
        do {
            _ = try RuntimeSelector.select(language: "cobol", candidates: c)
            Issue.record("cobol was selected")
        } catch {
            #expect(
                error.message.contains("version probe `cobc --version` failed: exit 127 (apt-get install gnucobol)"))
        }
    }

    @Test func anotherDriverServesALanguageOneDriverLacks() throws {
        let other = DriverCapabilities(
            languages: [.init(name: "cobol")], runtimeType: "Docker", isolationLevel: 9, startupMs: 500, memoryMB: 200)
        let c = [
            RuntimeSelector.Candidate(name: "runtimes", capabilities: Self.caps, isReady: true),
            RuntimeSelector.Candidate(name: "docker", capabilities: other, isReady: true),
        ]
        #expect(try RuntimeSelector.select(language: "cobol", candidates: c).driverName == "docker")
    }

    @Test func languageTableShowsVersionAndAvailabilityPerLanguage() {
        let table = Directory(clients: [SessionTestDriver(name: "runtimes", capabilities: Self.caps)]).languageTable()
        #expect(table.count == 2)
        #expect(table[0]["name"] == "ruby" && table[0]["available"] == true && table[0]["version"] == "3.1.2")
        #expect(table[0]["runtimes"]?.array?.first?["version"] == "3.1.2")
        #expect(table[1]["name"] == "cobol" && table[1]["available"] == false && table[1]["version"] == .null)
        #expect(table[1]["installHint"] == "apt-get install gnucobol")
        #expect(table[1]["unavailableReason"]?.string?.contains("cobc --version") == true)
    }

    @Test func capabilitiesOfOldDriversDecodeAsAvailable() {
        let old: JSONValue = ["runtimeType": "X", "languages": [["name": "x", "aliases": ["y"]]]]
        let caps = DriverCapabilities(json: old)
        #expect(caps?.languages == [.init(name: "x", aliases: ["y"])])
        #expect(caps?.languages[0].available == true)
        // And an available language without a version writes exactly the old three fields.
        #expect(caps?.languages[0].json == ["name": "x", "aliases": ["y"], "extensions": []])
    }

    struct Directory: DriverDirectory {
        let clients: [any DriverClient]
        func snapshot() -> JSONValue { .array([]) }
    }
}
