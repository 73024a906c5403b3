import DriverProtocol
import Host
import Testing

/// The seed's runtime table as driver capabilities.
enum SeedRuntimes {
    static func caps(
        _ type: String, _ langs: [DriverCapabilities.Language], startup: Int, mem: Int, iso: Int,
        available: Bool = true
    ) -> DriverCapabilities {
        DriverCapabilities(
            languages: langs, runtimeType: type, isolationLevel: iso, startupMs: startup, memoryMB: mem,
            available: available, unavailableReason: available ? nil : "\(type.lowercased()) not installed",
            installHint: available ? nil : "apt-get install \(type.lowercased())")
    }
    static let py = DriverCapabilities.Language(name: "python", aliases: ["python3", "py"])
    static let js = DriverCapabilities.Language(name: "javascript", aliases: ["node", "nodejs", "js"])
    static let ts = DriverCapabilities.Language(name: "typescript", aliases: ["ts"])

    static let all: [RuntimeSelector.Candidate] = [
        .init(name: "docker", capabilities: caps("Docker", [py, js], startup: 560, mem: 250, iso: 9), isReady: true),
        .init(name: "python", capabilities: caps("Python", [py], startup: 100, mem: 50, iso: 6), isReady: true),
        .init(name: "bun", capabilities: caps("Bun", [js, ts], startup: 50, mem: 25, iso: 7), isReady: true),
        .init(name: "deno", capabilities: caps("Deno", [js, ts], startup: 80, mem: 30, iso: 7), isReady: true),
        .init(name: "node", capabilities: caps("NodeJs", [js], startup: 200, mem: 60, iso: 6), isReady: true),
    ]
}

@Suite struct RuntimeSelectorTests {
    func pick(
        _ lang: String, _ pref: RuntimePreference? = nil, type: String? = nil,
        _ c: [RuntimeSelector.Candidate] = SeedRuntimes.all
    ) throws(RPCError) -> String {
        try RuntimeSelector.select(language: lang, runtimeType: type, preference: pref, candidates: c).driverName
    }

    @Test func speedPicksLowestStartup() throws {
        #expect(try pick("javascript", .speed) == "bun")
        #expect(try pick("python", .speed) == "python")
    }

    @Test func securityPicksHighestIsolation() throws {
        #expect(try pick("javascript", .security) == "docker")
        #expect(try pick("py", .security) == "docker")
    }

    @Test func memoryPicksLowestMemory() throws {
        #expect(try pick("js", .memory) == "bun")
        #expect(try pick("python3", .memory) == "python")
    }

    @Test func balancedUsesTheOriginalFormula() throws {
        // bun: 1000/51 + 1000/26 + 3.5 ≈ 61.6; deno: 1000/81 + 1000/31 + 3.5 ≈ 48.1; docker ≈ 10.2
        #expect(try pick("nodejs", .balanced) == "bun")
        #expect(try pick("javascript") == "bun")  // Balanced is the default
        let noBun = SeedRuntimes.all.filter { $0.name != "bun" }
        #expect(try pick("typescript", .balanced, noBun) == "deno")
    }

    @Test func aliasesMapToCanonicalLanguages() {
        for (alias, canon) in [
            ("python3", "python"), ("py", "python"), ("node", "javascript"), ("nodejs", "javascript"),
            ("js", "javascript"), ("ts", "typescript"), ("golang", "go"), ("dotnet", "csharp"), ("PYTHON", "python"),
        ] {
            #expect(RuntimeSelector.canonical(alias) == canon)
        }
    }

    @Test func denoAndBunAsLanguagesMeanThatRuntime() throws {
        let deno = try RuntimeSelector.select(language: "deno", candidates: SeedRuntimes.all)
        #expect(deno.driverName == "deno" && deno.driverLanguage == "typescript" && deno.language == "deno")
        #expect(try pick("bun", .security) == "bun")
    }

    @Test func runtimeTypePicksExplicitlyCaseInsensitive() throws {
        #expect(try pick("javascript", .speed, type: "nodejs") == "node")
        #expect(try pick("python", type: "DOCKER") == "docker")
        #expect(throws: RPCError.self) { try pick("python", type: "Bun") }
    }

    @Test func unavailableAndNotReadyDriversAreSkipped() throws {
        var c = SeedRuntimes.all
        c[2] = .init(
            name: "bun",
            capabilities: SeedRuntimes.caps("Bun", [SeedRuntimes.js], startup: 50, mem: 25, iso: 7, available: false),
            isReady: true)
        c[3].isReady = false
        #expect(try pick("javascript", .speed, c) == "node")
    }

    @Test func noDriverListsInstalledLanguages() {
        let c = [SeedRuntimes.all[1], SeedRuntimes.all[4]]
        do {
            _ = try pick("go", nil, c)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == -32002)
            #expect(error.message.contains("'go'") && error.message.contains("Installed languages: javascript, python"))
            #expect(error.data?["installedLanguages"] == ["javascript", "python"])
        }
    }

    @Test func unavailableDriverForTheLanguageExplainsWhy() {
        let c: [RuntimeSelector.Candidate] = [
            .init(
                name: "deno",
                capabilities: SeedRuntimes.caps(
                    "Deno", [SeedRuntimes.ts], startup: 80, mem: 30, iso: 7, available: false), isReady: true)
        ]
        do {
            _ = try pick("deno", nil, c)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("deno not installed") && error.message.contains("apt-get install deno"))
        }
    }
}
