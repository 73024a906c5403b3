import DriverProtocol
import Testing

@testable import Host

@Suite struct ConfigTests {
    @Test func defaultsServeLoopbackOnTheSeedPort() throws {
        let o = try CommandLineOptions.parse([])
        #expect(o.action == .serve)
        let c = ServerConfig()
        #expect(c.host == "127.0.0.1" && c.port == 5039 && c.webSocketPath == "/ws/jsonrpc")
    }

    @Test func flagsOverrideEnvironmentWhichOverridesFile() throws {
        var c = ServerConfig()
        try c.apply(json: ["port": 7000, "host": "0.0.0.0", "logLevel": "debug"])
        try c.apply(environment: ["CODEBEAKER_PORT": "7001", "CODEBEAKER_DRIVERS_DIR": "/a:/b"])
        #expect(c.port == 7001 && c.host == "0.0.0.0" && c.driversDirs == ["/a", "/b"])
        let o = try CommandLineOptions.parse(["--port", "0", "--drivers-dir=/x", "--log-format", "json"])
        try o.apply(to: &c)
        #expect(c.port == 0 && c.driversDirs == ["/x"] && c.logFormat == .json && c.logLevel == .debug)
    }

    @Test func defaultDriversDirs_StayOnUnlessTheFileTheEnvironmentOrTheFlagTurnsThemOff() throws {
        var c = ServerConfig()
        #expect(c.defaultDriversDirs)
        try c.apply(json: ["defaultDriversDirs": false])
        #expect(!c.defaultDriversDirs)
        try c.apply(environment: ["CODEBEAKER_DEFAULT_DRIVERS_DIRS": "true"])
        #expect(c.defaultDriversDirs)
        try CommandLineOptions.parse(["--drivers-dir", "/d", "--no-default-drivers"]).apply(to: &c)
        #expect(!c.defaultDriversDirs && c.driversDirs == ["/d"])
        #expect(throws: ServerConfig.Error.self) { try c.apply(environment: ["CODEBEAKER_DEFAULT_DRIVERS_DIRS": "no"]) }
        #expect(throws: ServerConfig.Error.self) { try c.apply(json: ["defaultDriversDirs": "no"]) }
    }

    @Test func unknownConfigKeysAndBadTypesAreNamed() {
        var c = ServerConfig()
        #expect(throws: ServerConfig.Error("config: unknown key 'prot'")) { try c.apply(json: ["prot": 1]) }
        #expect(throws: ServerConfig.Error("config: 'port' must be an integer, got string")) {
            try c.apply(json: ["port": "80"])
        }
        #expect(throws: ServerConfig.Error.self) { try c.apply(environment: ["CODEBEAKER_PORT": "http"]) }
    }

    @Test func subcommandsAndBadFlagsParse() throws {
        #expect(
            try CommandLineOptions.parse(["driver-test", "/bin/x", "--language", "ruby"]).action
                == .driverTest(arguments: ["/bin/x", "--language", "ruby"]))
        #expect(try CommandLineOptions.parse(["drivers", "list", "--drivers-dir", "/d"]).driversDirs == ["/d"])
        #expect(try CommandLineOptions.parse(["--print-config"]).action == .printConfig)
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["--port", "99999"]) }
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["--bogus"]) }
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["--host"]) }
    }

    @Test func crossSiteAllowlistsFromFileEnvironmentAndFlags() throws {
        var c = ServerConfig()
        #expect(c.allowedOrigins.isEmpty && c.allowedHosts.isEmpty && c.crossSiteWarnings.isEmpty)
        try c.apply(json: ["allowedOrigins": ["https://app.example"], "allowedHosts": ["beaker.lan"]])
        #expect(c.allowedOrigins == ["https://app.example"] && c.allowedHosts == ["beaker.lan"])
        try c.apply(environment: [
            "CODEBEAKER_ALLOWED_ORIGINS": " https://a.example , http://b.example:81",
            "CODEBEAKER_ALLOWED_HOSTS": "x.lan:1",
        ])
        #expect(c.allowedOrigins == ["https://a.example", "http://b.example:81"] && c.allowedHosts == ["x.lan:1"])
        let o = try CommandLineOptions.parse(["--allowed-origin", "*", "--allowed-host=h1,h2", "--allowed-host", "h3"])
        try o.apply(to: &c)
        #expect(c.allowedOrigins == ["*"] && c.allowedHosts == ["h1", "h2", "h3"])
        #expect(c.crossSiteWarnings.count == 1 && c.crossSiteWarnings[0].contains("ANY web page"))
        #expect(c.json["allowedHosts"] == ["h1", "h2", "h3"])
    }

    @Test func badCrossSiteEntriesAreNamed() {
        var c = ServerConfig()
        #expect(throws: ServerConfig.Error.self) { try c.apply(json: ["allowedOrigins": ["app.example"]]) }
        #expect(throws: ServerConfig.Error.self) { try c.apply(json: ["allowedOrigins": "https://app.example"]) }
        #expect(throws: ServerConfig.Error.self) { try c.apply(json: ["allowedHosts": ["a b"]]) }
        #expect(
            throws: ServerConfig.Error(
                "CODEBEAKER_ALLOWED_ORIGINS: 'https://x/path' is not an origin (scheme://host[:port], no path, or \"*\")"
            )
        ) {
            try c.apply(environment: ["CODEBEAKER_ALLOWED_ORIGINS": "https://x/path"])
        }
        #expect(throws: ServerConfig.Error.self) {
            try CommandLineOptions.parse(["--allowed-host", "user@h"]).apply(to: &c)
        }
    }
}

@Suite struct MemoryMergeConfigTests {
    @Test func memoryMerge_IsOffByDefault_AndSetByTheFileTheEnvironmentAndTheFlag() throws {
        var c = ServerConfig()
        #expect(c.memoryMerge == .off)
        try c.apply(json: ["memoryMerge": "on"])
        #expect(c.memoryMerge == .on)
        try c.apply(environment: ["CODEBEAKER_MEMORY_MERGE": "off"])
        #expect(c.memoryMerge == .off)
        try CommandLineOptions.parse(["--memory-merge", "max"]).apply(to: &c)
        #expect(c.memoryMerge == .max)
        #expect(c.json.object?["memoryMerge"] == .string("max"))
    }

    @Test func memoryMerge_RefusesAnUnknownMode() {
        var c = ServerConfig()
        #expect(throws: ServerConfig.Error("config: 'memoryMerge' must be off, on or max, got 'yes please'")) {
            try c.apply(json: ["memoryMerge": "yes please"])
        }
        #expect(throws: ServerConfig.Error.self) { try CommandLineOptions.parse(["--memory-merge=x"]).apply(to: &c) }
    }

    @Test func memoryMergeCheck_WarnsWhileKsmdIsOff_AndAboutASLRForMax() {
        #expect(MemoryMergeCheck.warnings(.off, ksmRun: "0").isEmpty)
        #expect(MemoryMergeCheck.warnings(.on, ksmRun: "1").isEmpty)
        #expect(MemoryMergeCheck.warnings(.on, ksmRun: "0").count == 1)
        #expect(
            MemoryMergeCheck.warnings(.max, ksmRun: "1") == ["memoryMerge max: sandboxed processes run without ASLR"])
    }
}

@Suite struct ConfigCheckCommandTests {
    @Test func configCheckTakesOneFile() throws {
        let o = try CommandLineOptions.parse(["config", "check", "/etc/codebeaker/config.json"])
        #expect(o.action == .configCheck)
        #expect(o.configFile == "/etc/codebeaker/config.json")
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["config", "check"]) }
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["config", "show", "/x"]) }
    }

    @Test func driversRescanSeconds_IsANumberOfSeconds_NamedInTheError() throws {
        var c = ServerConfig()
        try c.apply(json: ["driversRescanSeconds": 0.5])
        #expect(c.driversRescanSeconds == 0.5)
        #expect(throws: ServerConfig.Error("config: 'driversRescanSeconds' must be a number of seconds in (0, 86400]"))
        {
            try c.apply(json: ["driversRescanSeconds": "2"])
        }
    }
}
