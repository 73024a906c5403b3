import DriverProtocol
import Host
import Testing

@Suite struct SessionOptionsTests {
    let config = SessionManagerConfig()

    func field(_ params: JSONValue) -> String? {
        do {
            _ = try SessionOptions(params: params, config: config)
            return nil
        } catch { return error.data?["field"]?.string }
    }

    @Test func defaultsFollowTheSeed() throws {
        let o = try SessionOptions(params: ["language": "python", "somethingNew": 1], config: config)
        #expect(
            o.idleTimeoutMinutes == 30 && o.maxLifetimeMinutes == 120 && o.memoryLimitMB == 512 && o.cpuShares == 1024)
        #expect(!o.network && !o.stateful && o.runtimePreference == nil && o.dockerImage == nil)
    }

    @Test func seedParamsAreRead() throws {
        let o = try SessionOptions(
            params: [
                "language": "deno", "runtimePreference": "security", "runtimeType": "Deno",
                "idleTimeoutMinutes": 0.5, "memoryLimitMB": 256, "cpuShares": 512,
                "dockerImage": "codebeaker-python:latest", "network": true, "stateful": true,
                "permissions": ["allowNet": false],
            ], config: config)
        #expect(o.runtimePreference == .security && o.runtimeType == "Deno" && o.idleTimeoutMinutes == 0.5)
        #expect(o.memoryLimitMB == 256 && o.cpuShares == 512 && o.network && o.stateful)
        #expect(o.permissions == ["allowNet": false] && o.configJSON["permissions"] == ["allowNet": false])
    }

    @Test func aClientCannotRaiseItsCPUWeightAboveTheServers() throws {
        #expect(field(["language": "python", "cpuShares": 262_144]) == "cpuShares")
        #expect(field(["language": "python", "cpuShares": 1025]) == "cpuShares")
        do {
            _ = try SessionOptions(params: ["language": "python", "cpuShares": 4096], config: config)
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("at most 1024"))
        }
        var operatorConfig = config
        operatorConfig.defaultCpuShares = 4096
        #expect(
            try SessionOptions(params: ["language": "python", "cpuShares": 4096], config: operatorConfig).cpuShares
                == 4096)
        #expect(try SessionOptions(params: ["language": "python", "cpuShares": 100], config: config).cpuShares == 100)
    }

    @Test func badValuesNameTheirField() {
        #expect(field(.null) == "language")
        #expect(field(["language": 3]) == "language")
        #expect(field(["language": "python", "idleTimeoutMinutes": 0]) == "idleTimeoutMinutes")
        #expect(field(["language": "python", "maxLifetimeMinutes": 100_000]) == "maxLifetimeMinutes")
        #expect(field(["language": "python", "memoryLimitMB": 8]) == "memoryLimitMB")
        #expect(field(["language": "python", "memoryLimitMB": "512"]) == "memoryLimitMB")
        #expect(field(["language": "python", "network": "yes"]) == "network")
        #expect(field(["language": "python", "runtimePreference": "Cheap"]) == "runtimePreference")
        #expect(field(["language": "python", "env": ["A": 1]]) == "env.A")
        #expect(field(["language": "python", "memoryLimitMB": 16]) == nil)
    }
}
