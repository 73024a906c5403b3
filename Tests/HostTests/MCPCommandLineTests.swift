import Testing

@testable import Host

@Suite struct MCPCommandLineTests {
    @Test func mcp_TakesTheServersOptions_AndServerWithToken() throws {
        let o = try CommandLineOptions.parse([
            "mcp", "--drivers-dir", "/d", "--workspace-root", "/w", "--server", "ws://h:1/ws/jsonrpc", "--token=t",
        ])
        #expect(o.action == .mcp)
        #expect(o.driversDirs == ["/d"] && o.workspaceRoot == "/w")
        #expect(o.server == "ws://h:1/ws/jsonrpc" && o.token == "t")
    }

    @Test func serverAndToken_AreOnlyForMCP() {
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["--server", "ws://h"]) }
        #expect(throws: CommandLineOptions.Error.self) { try CommandLineOptions.parse(["serve", "--token", "t"]) }
    }
}
