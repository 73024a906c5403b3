import DriverProtocol
import Testing

@testable import Host

@Suite struct SecurityConfigTests {
    @Test func defaults_MatchTheSeed() {
        let c = SecurityConfig()
        #expect(c.maxCodeLength == 100_000)
        #expect(c.maxOutputLength == 1_000_000)
        #expect(c.executionsPerMinute == 60)
        #expect(c.maxExecutionsPerSession == 1000)
        #expect(c.enableSandbox && c.sandboxRestrictFilesystem && c.enableAuditLogging)
        #expect(c.auditLogRetentionDays == 90)
        #expect(c.auditLogDirectory == "/var/log/codebeaker/audit")
        #expect(c.allowedFileExtensions.isEmpty)
        #expect(c.requestsPerSecond == 100 && c.requestBurst == 200 && c.maxSessionsPerPrincipal == 20)
        #expect(c.blockedCommandPatterns.contains("rm -rf /"))
    }

    @Test func initJSON_ReadsEveryKey_AndJSONRoundTrips() throws {
        var c = SecurityConfig()
        c.maxCodeLength = 5; c.executionsPerMinute = 7; c.allowedFileExtensions = [".py"]; c.enableAuditLogging = false
        c.auditLogDirectory = "/tmp/a"; c.requestsPerSecond = 2.5;
        c.tokens = [.init(token: "abcdefgh", principal: "alice")]
        c.allowPackageURLs = true; c.allowedPackageFlags = ["--pre"]
        let back = try SecurityConfig(json: c.json(revealingTokens: true))
        #expect(back == c)
    }

    @Test func initJSON_RejectsUnknownKey_NamingIt() {
        #expect(throws: SecurityConfigError(key: "maxCodeLenght", "unknown key")) {
            try SecurityConfig(json: ["maxCodeLenght": 5])
        }
    }

    @Test func initJSON_RejectsWrongType_NamingKeyAndTypes() {
        #expect(throws: SecurityConfigError(key: "executionsPerMinute", "expected integer, got string")) {
            try SecurityConfig(json: ["executionsPerMinute": "60"])
        }
        #expect(throws: SecurityConfigError(key: "blockedCommandPatterns[1]", "expected string, got number")) {
            try SecurityConfig(json: ["blockedCommandPatterns": ["sudo", 3]])
        }
    }

    @Test func initJSON_RejectsOutOfRangeAndRelativeDirectory() {
        #expect(throws: SecurityConfigError.self) { try SecurityConfig(json: ["maxCodeLength": 0]) }
        #expect(throws: SecurityConfigError(key: "auditLogDirectory", "must be an absolute path")) {
            try SecurityConfig(json: ["auditLogDirectory": "logs"])
        }
        #expect(throws: SecurityConfigError.self) { try SecurityConfig(json: ["requestsPerSecond": -1]) }
    }

    @Test func initJSON_RejectsBadTokens() {
        #expect(throws: SecurityConfigError(key: "tokens[0].extra", "unknown key")) {
            try SecurityConfig(json: ["tokens": [["token": "abc", "principal": "a", "extra": 1]]])
        }
        #expect(throws: SecurityConfigError.self) {
            try SecurityConfig(json: ["tokens": [["token": "has space", "principal": "a"]]])
        }
        #expect(throws: SecurityConfigError.self) {
            try SecurityConfig(json: [
                "tokens": [["token": "same", "principal": "a"], ["token": "same", "principal": "b"]]
            ])
        }
    }

    @Test func json_RedactsTokens() {
        var c = SecurityConfig()
        c.tokens = [.init(token: "s3cretvalue", principal: "alice")]
        let text = JSONWriter.string(c.json)
        #expect(!text.contains("s3cretvalue"))
        #expect(text.contains("alice"))
    }

    @Test func environment_AddsTokens() throws {
        var c = SecurityConfig()
        try c.applyEnvironment(["CODEBEAKER_TOKENS": " alice:tok-1 , bob:tok2,"])
        #expect(c.tokens == [.init(token: "tok-1", principal: "alice"), .init(token: "tok2", principal: "bob")])
        #expect(throws: SecurityConfigError.self) { try c.applyEnvironment(["CODEBEAKER_TOKENS": "nocolon"]) }
        #expect(throws: SecurityConfigError.self) { try c.applyEnvironment(["CODEBEAKER_TOKENS": "dave:tok:colon"]) }
        #expect(throws: SecurityConfigError.self) { try c.applyEnvironment(["CODEBEAKER_TOKENS": "carol:tok-1"]) }
    }

    @Test func tightened_LowersLimitsButNeverRaisesThem() {
        let server = SecurityConfig()
        #expect(server.tightened(by: ["executionsPerMinute": 10]).executionsPerMinute == 10)
        #expect(server.tightened(by: ["executionsPerMinute": 1000]).executionsPerMinute == 60)
        #expect(server.tightened(by: ["executionsPerMinute": 0]).executionsPerMinute == 60)
        #expect(server.tightened(by: ["maxCodeLength": 50, "maxOutputLength": 10]).maxCodeLength == 50)
        #expect(server.tightened(by: ["maxExecutionsPerSession": 5000]).maxExecutionsPerSession == 1000)
    }

    @Test func tightened_CannotSwitchProtectionsOff() {
        let server = SecurityConfig()
        let t = server.tightened(by: [
            "enableInputValidation": false, "enableRateLimiting": false, "enableSandbox": false,
            "enableAuditLogging": false,
        ])
        #expect(t == server)
        var lax = SecurityConfig()
        lax.enableRateLimiting = false
        #expect(lax.tightened(by: ["enableRateLimiting": true]).enableRateLimiting)
    }

    @Test func tightened_NarrowsExtensionsAndAddsPatterns() {
        var server = SecurityConfig()
        #expect(server.tightened(by: ["allowedFileExtensions": ["PY"]]).allowedFileExtensions == [".py"])
        server.allowedFileExtensions = [".py", ".txt"]
        #expect(server.tightened(by: ["allowedFileExtensions": [".txt", ".exe"]]).allowedFileExtensions == [".txt"])
        let none = server.tightened(by: ["allowedFileExtensions": [".exe"]])
        #expect(InputValidator(config: none).validatePath("a.py") != nil)
        #expect(InputValidator(config: none).validatePath("a.exe") != nil)
        #expect(server.tightened(by: ["blockedCommandPatterns": ["curl"]]).blockedCommandPatterns.contains("curl"))
        let many = JSONValue.array((0..<100).map { .string("p\($0)") } + [.string(String(repeating: "x", count: 300))])
        #expect(
            server.tightened(by: ["blockedCommandPatterns": many]).blockedCommandPatterns.count == server
                .blockedCommandPatterns.count + 32)
    }

    @Test func tightened_IgnoresMalformedOverrides() {
        let server = SecurityConfig()
        #expect(server.tightened(by: "nonsense") == server)
        #expect(server.tightened(by: ["executionsPerMinute": "5"]) == server)
        #expect(server.tightened(by: nil) == server)
    }
}

@Suite struct NetworkPrincipalsConfigTests {
    @Test func networkIsOffForEveryoneByDefault() {
        #expect(SecurityConfig().networkPrincipals.isEmpty)
        #expect(!SecurityConfig().allowsNetwork(principal: "anonymous"))
    }

    @Test func jsonEnvironmentAndFlagSetTheAllowlist() throws {
        var c = try SecurityConfig(json: ["networkPrincipals": ["alice"]])
        #expect(c.allowsNetwork(principal: "alice") && !c.allowsNetwork(principal: "bob"))
        try c.applyEnvironment(["CODEBEAKER_NETWORK_PRINCIPALS": "bob, carol"])
        #expect(c.networkPrincipals == ["bob", "carol"])
        #expect(throws: SecurityConfigError.self) { try SecurityConfig(json: ["networkPrincipals": "alice"]) }
        var server = ServerConfig()
        try CommandLineOptions.parse(["--network-principals", "*"]).apply(to: &server)
        #expect(server.security.allowsNetwork(principal: "anyone"))
        #expect(server.security.json["networkPrincipals"] == ["*"])
    }
}
