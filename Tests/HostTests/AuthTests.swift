import Testing

@testable import Host
@testable import Transport

@Suite struct AuthTests {
    let auth = Authenticator(tokens: [
        .init(token: "tok-alice-0123", principal: "alice"), .init(token: "tok-bob-4567", principal: "bob"),
    ])

    func request(headers: [(String, String)] = [], query: [String: String] = [:]) -> UpgradeRequest {
        UpgradeRequest(
            path: "/ws/jsonrpc", query: query, headers: headers.map { (name: $0.0, value: $0.1) },
            remoteAddress: "10.0.0.1")
    }

    @Test func bearerHeader_NamesThePrincipal() {
        #expect(
            auth.authenticate(authorization: "Bearer tok-bob-4567", queryToken: nil, subprotocols: [])
                == .accepted(principal: "bob", subprotocol: nil))
        #expect(
            auth.authenticate(authorization: "bearer   tok-alice-0123", queryToken: nil, subprotocols: [])
                == .accepted(principal: "alice", subprotocol: nil))
    }

    @Test func queryParameter_Works() {
        guard case .accept(let p, nil) = auth.decide(request(query: ["token": "tok-alice-0123"])) else {
            Issue.record("rejected"); return
        }
        #expect(p == "alice")
    }

    @Test func subprotocol_WorksAndEchoesV1() {
        let d = auth.decide(
            request(headers: [("sec-websocket-protocol", "codebeaker.v1, codebeaker.bearer.tok-bob-4567")]))
        guard case .accept(let p, let sub) = d else { Issue.record("rejected"); return }
        #expect(p == "bob")
        #expect(sub == "codebeaker.v1")
    }

    @Test func subprotocolOnlyBearer_SelectsAnOfferedOne() {
        #expect(
            auth.authenticate(authorization: nil, queryToken: nil, subprotocols: ["codebeaker.bearer.tok-bob-4567"])
                == .accepted(principal: "bob", subprotocol: "codebeaker.bearer.tok-bob-4567"))
        #expect(
            auth.authenticate(authorization: "Bearer tok-bob-4567", queryToken: nil, subprotocols: ["codebeaker.v1"])
                == .accepted(principal: "bob", subprotocol: "codebeaker.v1"))
        #expect(
            auth.authenticate(authorization: "Bearer tok-bob-4567", queryToken: nil, subprotocols: ["other"])
                == .accepted(principal: "bob", subprotocol: nil))
    }

    @Test func missingOrWrongToken_Is401() {
        guard case .rejected(401, let why) = auth.authenticate(authorization: nil, queryToken: nil, subprotocols: [])
        else { Issue.record("accepted"); return }
        #expect(why.contains("Bearer"))
        #expect(
            auth.authenticate(authorization: "Bearer tok-alice-012", queryToken: nil, subprotocols: [])
                == .rejected(status: 401, reason: "invalid token"))
        #expect(
            auth.authenticate(authorization: "Basic YTpi", queryToken: nil, subprotocols: [])
                != .accepted(principal: "alice", subprotocol: nil))
    }

    @Test func wrongHeader_IsNotRescuedByAValidQueryToken() {
        #expect(
            auth.authenticate(authorization: "Bearer nope", queryToken: "tok-alice-0123", subprotocols: [])
                == .rejected(status: 401, reason: "invalid token"))
    }

    @Test func noTokensConfigured_EveryoneIsAnonymous() {
        let open = Authenticator(tokens: [])
        #expect(
            open.authenticate(authorization: nil, queryToken: nil, subprotocols: [])
                == .accepted(principal: "anonymous", subprotocol: nil))
    }

    @Test func constantTimeEqual_ComparesWholeValues() {
        #expect(Authenticator.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Authenticator.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Authenticator.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!Authenticator.constantTimeEqual([], Array("a".utf8)))
        #expect(!Authenticator.constantTimeEqual(Array(repeating: 0, count: 256), []))
    }

    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "localhost", "LOCALHOST", "::ffff:127.0.0.1",
    ])
    func loopbackHosts_MayBindWithoutTokens(host: String) {
        #expect((try? Authenticator.bindingAllowed(host: host, tokensConfigured: false, insecure: false).get()) != nil)
    }

    @Test(arguments: [
        "0.0.0.0", "::", "10.0.0.5", "128.0.0.1", "127.0.0.1.evil", "localhost.example", "::2", "example.com",
    ])
    func otherHosts_NeedTokensOrInsecure(host: String) {
        guard case .failure(let e) = Authenticator.bindingAllowed(host: host, tokensConfigured: false, insecure: false)
        else {
            Issue.record("allowed \(host)"); return
        }
        #expect(e.message.contains("--insecure"))
        #expect((try? Authenticator.bindingAllowed(host: host, tokensConfigured: true, insecure: false).get()) != nil)
        #expect((try? Authenticator.bindingAllowed(host: host, tokensConfigured: false, insecure: true).get()) != nil)
    }
}
