import DriverProtocol
import Foundation
import Host
import Testing

@Suite struct HostRouteTests {
    @Test func hostIds_AreShortLowercaseNamesOnly() {
        for ok in ["h1", "host-2", "a", String(repeating: "x", count: 32)] {
            #expect(HostRoute.hostIdProblem(ok) == nil)
        }
        for bad in ["", "H1", "h_1", "h 1", "h.1", "h/1", String(repeating: "x", count: 33)] {
            #expect(HostRoute.hostIdProblem(bad) != nil)
        }
        #expect(HostRoute.publicUrlProblem("wss://cb.example.com/ws/jsonrpc") == nil)
        #expect(HostRoute.publicUrlProblem("https://cb.example.com/") != nil)
    }

    @Test func ids_CarryTheHostId_AndItIsReadBack() {
        let r = HostRoute(hostId: "h2")
        #expect(r.idPrefix("s") == "s_h2_" && HostRoute().idPrefix("s") == "s_")
        #expect(HostRoute.hostId(inId: "s_h2_" + String(repeating: "a", count: 32)) == "h2")
        #expect(HostRoute.hostId(inId: "x_h-3_00ff") == "h-3")
        #expect(HostRoute.hostId(inId: "s_" + String(repeating: "a", count: 32)) == nil)
        #expect(HostRoute.hostId(inId: "s_H2_00") == nil && HostRoute.hostId(inId: "q_h2_00") == nil)
    }

    @Test func createFields_RouteAlways_EndpointOnlyWithAPublicUrl() {
        #expect(HostRoute().createFields.isEmpty)
        #expect(HostRoute(hostId: "h2").createFields.map(\.key) == ["route"])
        let e = HostRoute(hostId: "h2", publicUrl: "wss://p.example/ws/jsonrpc").createFields
        #expect(e.map(\.value) == ["h2", "wss://p.example/ws/jsonrpc?host=h2"])
        #expect(
            HostRoute(hostId: "h2", publicUrl: "wss://p/ws?a=1").createFields.last?.value == "wss://p/ws?a=1&host=h2")
    }

    @Test func config_TakesHostIdFromTheFileTheEnvironmentAndTheFlags() throws {
        var c = ServerConfig()
        #expect(c.hostId == nil && c.json["hostId"] == .null)
        try c.apply(json: ["hostId": "h1", "publicUrl": "wss://p/ws/jsonrpc"])
        #expect(c.hostId == "h1" && c.publicUrl == "wss://p/ws/jsonrpc")
        try c.apply(environment: ["CODEBEAKER_HOST_ID": "h2"])
        #expect(c.hostId == "h2")
        try CommandLineOptions.parse(["--host-id", "h3", "--public-url=ws://127.0.0.1:9/ws"]).apply(to: &c)
        #expect(c.hostId == "h3" && c.json["publicUrl"] == "ws://127.0.0.1:9/ws")
        #expect(SessionManagerConfig(server: c).route == HostRoute(hostId: "h3", publicUrl: "ws://127.0.0.1:9/ws"))
    }

    @Test func config_RefusesABadHostIdNamingTheKey() {
        var c = ServerConfig()
        #expect(throws: ServerConfig.Error("hostId: 'H 1' is not a host id (1-32 characters of a-z, 0-9 and -)")) {
            try c.apply(json: ["hostId": "H 1"])
        }
        #expect(throws: ServerConfig.Error.self) { try c.apply(environment: ["CODEBEAKER_PUBLIC_URL": "http://x"]) }
        #expect(throws: ServerConfig.Error.self) { try CommandLineOptions.parse(["--host-id", "a_b"]).apply(to: &c) }
    }

    @Test func sessionCreate_AddsRouteAndEndpoint_KeepingTheSeedFieldsFirst() async throws {
        let h = APIHarness(
            ManagerFixture { $0.route = HostRoute(hostId: "h2", publicUrl: "wss://p/ws/jsonrpc") })
        defer { h.fixture.cleanup() }
        let r = try await h.call("session.create", ["language": "python"])
        #expect(Array(r.object!.keys.prefix(3)) == ["sessionId", "containerId", "language"])
        #expect(r["sessionId"]?.string?.hasPrefix("s_h2_") == true && r["sessionId"]?.string?.count == 37)
        #expect(r["route"] == "h2" && r["endpoint"] == "wss://p/ws/jsonrpc?host=h2")
        let x = try await h.call(
            "session.execute", ["sessionId": r["sessionId"]!, "command": ["type": "execute_code", "code": "1"]])
        #expect(x["executionId"]?.string?.hasPrefix("x_h2_") == true)
    }

    @Test func sessionCreate_WithoutHostId_HasNoRouteFields() async throws {
        let h = APIHarness(); defer { h.fixture.cleanup() }
        let r = try await h.call("session.create", ["language": "python"])
        #expect(r["route"] == nil && r["endpoint"] == nil && r["sessionId"]?.string?.count == 34)
    }
}

@Suite struct HostRouteMisroutedTests {
    @Test func anotherHostsSessionId_IsExplainedFromTheIdAlone() async throws {
        let h = APIHarness(ManagerFixture { $0.route = HostRoute(hostId: "h1") })
        defer { h.fixture.cleanup() }
        let other = "s_h2_" + String(repeating: "0", count: 32)
        let e = await h.rpcError(
            "session.execute", ["sessionId": .string(other), "command": ["type": "shell", "command": "true"]])
        #expect(e?.code == -32001 && e?.message.hasPrefix("Session not found: \(other) (its id is host h2's") == true)
        #expect(e?.data?["route"] == "h2")
        let own = "s_h1_" + String(repeating: "0", count: 32)
        #expect(await h.rpcError("session.close", ["sessionId": .string(own)]) == RPCError.sessionNotFound(own))
        let plain = "s_" + String(repeating: "0", count: 32)
        #expect(await h.rpcError("session.close", ["sessionId": .string(plain)]) == RPCError.sessionNotFound(plain))
    }
}
