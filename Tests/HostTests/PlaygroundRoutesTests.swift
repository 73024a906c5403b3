import DriverProtocol
import Testing
import Transport

@testable import Host

/// The playground's routes: which paths answer, the redirect, the security headers on every answer, and
/// 404/405 (issue 18).
@Suite struct PlaygroundRoutesTests {
    let routes = PlaygroundRoutes(tokensRequired: false)

    func get(_ path: String, method: String = "GET", routes: PlaygroundRoutes? = nil) async -> HTTPResponseBody? {
        await (routes ?? self.routes).handle(request: HTTPRouteRequest(method: method, path: path))
    }

    func header(_ r: HTTPResponseBody, _ name: String) -> String? {
        r.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    @Test func page_IsServedAsHTML_WithAStrictCSP() async throws {
        let r = try #require(await get("/playground"))
        #expect(r.status == 200)
        #expect(r.contentType == "text/html; charset=utf-8")
        #expect(String(decoding: r.body, as: UTF8.self).contains("<textarea id=\"editor\""))
        let csp = try #require(header(r, "Content-Security-Policy"))
        #expect(csp.hasPrefix("default-src 'none';"))
        for directive in ["script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
            #expect(csp.contains(directive), "\(directive)")
        }
        #expect(!csp.contains("unsafe"))
        #expect(header(r, "X-Content-Type-Options") == "nosniff")
    }

    @Test func root_RedirectsToThePlayground() async throws {
        for path in ["/", "/playground/"] {
            let r = try #require(await get(path))
            #expect(r.status == 302)
            #expect(header(r, "Location") == "/playground")
            #expect(header(r, "Content-Security-Policy") != nil)
        }
    }

    @Test func everyEmbeddedFile_IsServedWithItsType() async throws {
        #expect(PlaygroundAssets.byPath.count >= 20)
        for (path, asset) in PlaygroundAssets.byPath {
            let r = try #require(await get(path))
            #expect(r.status == 200 && !r.body.isEmpty, "\(path)")
            #expect(r.contentType == asset.contentType)
        }
        let sdk = try #require(await get("/playground/sdk/index.js"))
        #expect(sdk.contentType == "text/javascript; charset=utf-8")
        #expect(String(decoding: sdk.body, as: UTF8.self).contains("export { CodeBeakerClient"))
    }

    @Test func config_SaysWhetherTokensAreRequired() async throws {
        let open = try #require(await get("/playground/config.json"))
        #expect(try JSONParser.parse(open.body)["tokensRequired"] == false)
        let locked = try #require(await get("/playground/config.json", routes: PlaygroundRoutes(tokensRequired: true)))
        #expect(try JSONParser.parse(locked.body)["tokensRequired"] == true)
    }

    @Test func unknownFileBelowThePlayground_Is404() async throws {
        let r = try #require(await get("/playground/nope.js"))
        #expect(r.status == 404)
        #expect(header(r, "Content-Security-Policy") != nil)
        #expect(await get("/playground/../etc/passwd")?.status == 404)
    }

    @Test func otherPaths_AreLeftToOtherRoutes() async {
        for path in ["/health", "/mcp", "/playgroundx", "/index.html"] {
            #expect(await get(path) == nil, "\(path)")
        }
    }

    @Test func onlyGETAndHEAD_Are405Otherwise() async throws {
        #expect(await get("/playground", method: "HEAD")?.status == 200)
        for method in ["POST", "PUT", "DELETE"] {
            let r = try #require(await get("/playground", method: method))
            #expect(r.status == 405)
            #expect(header(r, "Allow") == "GET, HEAD")
        }
        #expect(await get("/", method: "POST")?.status == 405)
    }
}
