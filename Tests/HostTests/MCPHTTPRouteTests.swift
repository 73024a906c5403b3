import DriverProtocol
import Synchronization
import Testing
import Transport

@testable import Host

@Suite struct MCPHTTPRouteTests {
    let now = MCPTestClock()

    func route(sessions: MCPHTTPSessions? = nil) -> MCPHTTPRoute {
        MCPHTTPRoute(
            sessions: sessions
                ?? MCPHTTPSessions(idleSeconds: 60, maxSessions: 2, clock: { [now] in now.value.withLock { $0 } }),
            authenticate: { request in
                switch request.header("authorization") {
                case "Bearer a": .principal("alice")
                case "Bearer b": .principal("bob")
                default: .refused(status: 401, message: "a token is required")
                }
            },
            makeBackend: { _ in
                FakeBackend { _, _ throws(RPCCallError) -> JSONValue in
                    ["success": true, "result": runResult(stdout: "ok\n")]
                }
            })
    }

    func post(_ route: MCPHTTPRoute, _ body: String, token: String = "a", session: String? = nil, sse: Bool = true)
        async -> HTTPResponseBody
    {
        var headers: [(name: String, value: String)] = [
            ("authorization", "Bearer \(token)"),
            ("accept", sse ? "application/json, text/event-stream" : "application/json"),
        ]
        if let session { headers.append(("mcp-session-id", session)) }
        return await route.handle(
            request: HTTPRouteRequest(method: "POST", path: "/mcp", headers: headers, body: Array(body.utf8)))!
    }

    let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}"#
    let ping = #"{"jsonrpc":"2.0","id":2,"method":"ping"}"#

    func sessionID(_ r: HTTPResponseBody) -> String? { r.headers.first { $0.0 == "Mcp-Session-Id" }?.1 }

    @Test func initialize_IssuesASessionID_ThatLaterRequestsNeed() async throws {
        let r = route()
        let first = await post(r, initialize)
        let id = try #require(sessionID(first))
        #expect(first.status == 200 && id.hasPrefix("mcp_"))
        #expect(await post(r, ping).status == 400)
        #expect(await post(r, ping, session: "mcp_other").status == 404)
        #expect(await post(r, ping, token: "b", session: id).status == 404)
        #expect(await post(r, ping, session: id).status == 200)
        #expect(await post(r, #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, session: id).status == 202)
        #expect(await post(r, "{oops", session: id).status == 400)
    }

    @Test func refusedCredentials_Get401_AndOtherPathsAreNotOurs() async {
        let r = route()
        let refused = await post(r, initialize, token: "nope")
        #expect(refused.status == 401 && refused.headers.contains { $0 == ("WWW-Authenticate", "Bearer") })
        #expect(await r.handle(request: HTTPRouteRequest(method: "POST", path: "/health")) == nil)
        let get = await r.handle(
            request: HTTPRouteRequest(method: "GET", path: "/mcp", headers: [("authorization", "Bearer a")]))
        #expect(get?.status == 405)
        let future = await r.handle(
            request: HTTPRouteRequest(
                method: "POST", path: "/mcp",
                headers: [("authorization", "Bearer a"), ("mcp-protocol-version", "2099-01-01")],
                body: Array(initialize.utf8)))
        #expect(future?.status == 400)
    }

    @Test func progressToken_GetsAnEventStream_EndingWithTheReply() async throws {
        let r = route()
        let id = try #require(sessionID(await post(r, initialize)))
        let call =
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"_meta":{"progressToken":1},"name":"list_sessions","arguments":{}}}"#
        let streamed = await post(r, call, session: id)
        #expect(streamed.contentType == "text/event-stream")
        var text = ""
        for await part in try #require(streamed.stream) { text += String(decoding: part, as: UTF8.self) }
        #expect(text.hasPrefix("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,") && text.hasSuffix("\n\n"))
        let plain = await post(r, call, session: id, sse: false)
        #expect(plain.contentType == "application/json" && plain.stream == nil)
    }

    @Test func sessions_EndOnDelete_OnIdleExpiry_AndAreCapped() async throws {
        let sessions = MCPHTTPSessions(idleSeconds: 60, maxSessions: 2, clock: { [now] in now.value.withLock { $0 } })
        let r = route(sessions: sessions)
        let one = try #require(sessionID(await post(r, initialize)))
        _ = await post(r, initialize)
        #expect(await post(r, initialize).status == 503)
        let delete = HTTPRouteRequest(
            method: "DELETE", path: "/mcp", headers: [("authorization", "Bearer a"), ("mcp-session-id", one)])
        #expect(await r.handle(request: delete)?.status == 204)
        #expect(await r.handle(request: delete)?.status == 404)
        #expect(sessions.count == 1)
        now.value.withLock { $0 = 61 }
        #expect(await post(r, initialize).status == 200)  // the idle one expired first
        #expect(sessions.count == 1)
    }
}

extension MCPHTTPRouteTests {
    @Test func aPrincipalAtItsCap_EndsItsOwnLeastRecentlyUsedSession_NotAnotherPrincipals() async throws {
        let sessions = MCPHTTPSessions(
            idleSeconds: 600, maxSessions: 10, maxPerPrincipal: 2, clock: { [now] in now.value.withLock { $0 } })
        let r = route(sessions: sessions)
        let bobs = try #require(sessionID(await post(r, initialize, token: "b")))
        let first = try #require(sessionID(await post(r, initialize)))
        now.value.withLock { $0 = 1 }
        let second = try #require(sessionID(await post(r, initialize)))
        now.value.withLock { $0 = 2 }
        _ = await post(r, ping, session: first)  // first is now the more recently used
        now.value.withLock { $0 = 3 }
        let third = try #require(sessionID(await post(r, initialize)))
        #expect(sessions.count == 3)
        #expect(await post(r, ping, session: second).status == 404)  // alice's least recently used, ended
        #expect(await post(r, ping, session: first).status == 200)
        #expect(await post(r, ping, session: third).status == 200)
        #expect(await post(r, ping, token: "b", session: bobs).status == 200)
    }
}

final class MCPTestClock: Sendable {
    let value = Mutex<Double>(0)
}
