import DriverProtocol
import Testing

@testable import Host

extension DriverProcessTests {
    /// `capabilities.changed` from a running driver replaces the handshake's capabilities (a runtime manifest
    /// added while the host runs); a malformed one is logged and ignored.
    @Suite struct CapabilitiesChanged {
        typealias S = DriverTestSupport

        @Test func aDriverAnnouncesANewLanguage_AndTheHostUsesIt() async throws {
            let log = S.LogCapture()
            let s = DriverSupervisor(
                name: "fake", path: S.fixture("fake-driver.py"), config: S.fastConfig(budget: 5), logSink: log.sink)
            s.start()
            try #require(await s.waitUntilSettled(timeout: 10))
            #expect(s.capabilities?.languages.map(\.name) == ["fake"])
            // The notification precedes the reply on the driver's stdout, so it is applied when the call returns.
            _ = try await s.call("execute", params: ["session": "s1", "code": "caps awk"], onEvent: nil)
            #expect(s.capabilities?.languages.map(\.name) == ["fake", "awk"])
            #expect(s.capabilities?.languages.last?.version == "9")
            #expect(s.snapshot()["capabilities"]?["languages"]?.array?.count == 2)
            _ = try await s.call("execute", params: ["session": "s1", "code": "caps !"], onEvent: nil)
            #expect(s.capabilities?.languages.map(\.name) == ["fake", "awk"])
            #expect(log.all.contains { $0.contains("capabilities.changed without valid capabilities") })
            await s.shutdown()
        }
    }
}
