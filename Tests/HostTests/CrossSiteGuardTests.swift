import Testing

@testable import Host
@testable import Transport

/// The cross-site rules of issue 12 (#1): which Host names this server and which Origin may drive it.
@Suite("Cross-site guard")
struct CrossSiteGuardTests {
    static let port = 5039
    static func guardFor(origins: [String] = [], hosts: [String] = [], listen: String = "127.0.0.1") -> CrossSiteGuard {
        CrossSiteGuard(allowedOrigins: origins, allowedHosts: hosts, listenHost: listen, port: port)
    }

    static func headers(host: String?, origin: String? = nil, extra: [(name: String, value: String)] = []) -> [(
        name: String, value: String
    )] {
        var h: [(name: String, value: String)] = []
        if let host { h.append(("host", host)) }
        if let origin { h.append(("origin", origin)) }
        return h + extra
    }

    @Test(
        "loopback names and addresses with any port name this server",
        arguments: [
            "localhost", "localhost:1234", "LOCALHOST:5039", "localhost.", "127.0.0.1", "127.0.0.1:5039",
            "127.9.8.7:80",
            "[::1]", "[::1]:5039", "[0:0:0:0:0:0:0:1]:9",
        ])
    func loopbackHosts(host: String) {
        #expect(Self.guardFor().checkActing(Self.headers(host: host)) == nil)
    }

    @Test(
        "a foreign Host is refused with 403 naming allowedHosts",
        arguments: [
            "evil.example", "evil.example:5039", "localhost.evil.example", "127.0.0.1.nip.io", "10.0.0.1:5039",
            "[::2]:5039",
        ])
    func foreignHosts(host: String) {
        let r = Self.guardFor().checkActing(Self.headers(host: host))
        #expect(r?.status == 403)
        #expect(r?.message.contains("allowedHosts") == true)
    }

    @Test("a missing, repeated or malformed Host is a 400")
    func malformedHosts() {
        let g = Self.guardFor()
        #expect(g.checkActing(Self.headers(host: nil))?.status == 400)
        #expect(g.checkActing([("host", "localhost"), ("host", "localhost")])?.status == 400)
        for bad in ["", "a b", "user@localhost", "localhost:99999", "localhost:", "[::1", "evil.example/x"] {
            #expect(g.checkActing(Self.headers(host: bad))?.status == 400, "\(bad)")
        }
    }

    @Test("the listen address names this server on its port; on a wildcard address any IP literal does")
    func listenAddress() {
        let g = Self.guardFor(listen: "192.168.7.7")
        #expect(g.checkActing(Self.headers(host: "192.168.7.7:5039")) == nil)
        #expect(g.checkActing(Self.headers(host: "192.168.7.7")) == nil)
        #expect(g.checkActing(Self.headers(host: "192.168.7.7:81"))?.status == 403)
        #expect(g.checkActing(Self.headers(host: "192.168.7.8:5039"))?.status == 403)
        let wild = Self.guardFor(listen: "0.0.0.0")
        #expect(wild.checkActing(Self.headers(host: "192.168.7.8:5039")) == nil)
        #expect(wild.checkActing(Self.headers(host: "[fe80::1]:5039")) == nil)
        #expect(wild.checkActing(Self.headers(host: "beaker.lan:5039"))?.status == 403)  // names need allowedHosts
        #expect(Self.guardFor(listen: "::1").checkActing(Self.headers(host: "[::1]:1")) == nil)
    }

    @Test("allowedHosts entries match by name (any port) or by name and port; * allows any")
    func allowedHosts() {
        let g = Self.guardFor(hosts: ["beaker.lan", "api.example:8443"])
        #expect(g.checkActing(Self.headers(host: "beaker.lan:1")) == nil)
        #expect(g.checkActing(Self.headers(host: "BEAKER.LAN")) == nil)
        #expect(g.checkActing(Self.headers(host: "api.example:8443")) == nil)
        #expect(g.checkActing(Self.headers(host: "api.example"))?.status == 403)
        #expect(Self.guardFor(hosts: ["*"]).checkActing(Self.headers(host: "evil.example")) == nil)
    }

    @Test("no Origin is a non-browser client and is allowed")
    func noOrigin() {
        #expect(Self.guardFor().checkActing(Self.headers(host: "localhost:5039")) == nil)
    }

    @Test(
        "loopback origins on any port are allowed",
        arguments: [
            "http://localhost", "http://localhost:3000", "https://localhost:8443", "http://127.0.0.1:5173",
            "http://127.1.2.3",
            "http://[::1]:8080", "HTTP://LOCALHOST:3000",
        ])
    func loopbackOrigins(origin: String) {
        #expect(Self.guardFor().checkActing(Self.headers(host: "127.0.0.1:5039", origin: origin)) == nil)
    }

    @Test(
        "other origins are refused with 403",
        arguments: [
            "http://evil.example", "https://evil.example:5039", "null", "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
            "file://", "ws://localhost:3000", "chrome-extension://abcdef", "http://user@localhost", "evil.example",
        ])
    func foreignOrigins(origin: String) {
        let r = Self.guardFor().checkActing(Self.headers(host: "127.0.0.1:5039", origin: origin))
        #expect(r?.status == 403)
        #expect(r?.message.contains("allowedOrigins") == true)
    }

    @Test("the DNS-rebinding shape (foreign Host, same-origin Origin) is refused by the Host check")
    func rebinding() {
        let r = Self.guardFor().checkActing(
            Self.headers(host: "rebind.evil.example:5039", origin: "http://rebind.evil.example:5039"))
        #expect(r?.status == 403)
        #expect(r?.message.contains("Host") == true)
    }

    @Test("same origin as an allowed Host is allowed; default ports are normalized")
    func sameOrigin() {
        let g = Self.guardFor(hosts: ["beaker.lan"])
        #expect(g.checkActing(Self.headers(host: "beaker.lan:5039", origin: "http://beaker.lan:5039")) == nil)
        #expect(g.checkActing(Self.headers(host: "beaker.lan", origin: "http://beaker.lan")) == nil)
        #expect(g.checkActing(Self.headers(host: "beaker.lan", origin: "https://beaker.lan:443")) == nil)
        #expect(g.checkActing(Self.headers(host: "beaker.lan", origin: "http://beaker.lan:8080"))?.status == 403)
        #expect(g.checkActing(Self.headers(host: "beaker.lan:5039", origin: "http://beaker.lan:5040"))?.status == 403)
    }

    @Test("allowedOrigins entries match exactly after normalization; * allows any")
    func allowedOrigins() {
        let g = Self.guardFor(origins: ["https://app.example", "http://tools.example:8080/"])
        #expect(g.checkActing(Self.headers(host: "localhost", origin: "https://app.example")) == nil)
        #expect(g.checkActing(Self.headers(host: "localhost", origin: "https://APP.example:443")) == nil)
        #expect(g.checkActing(Self.headers(host: "localhost", origin: "http://app.example"))?.status == 403)
        #expect(g.checkActing(Self.headers(host: "localhost", origin: "http://tools.example:8080")) == nil)
        #expect(g.checkActing(Self.headers(host: "localhost", origin: "http://tools.example"))?.status == 403)
        #expect(
            Self.guardFor(origins: ["*"]).checkActing(Self.headers(host: "localhost", origin: "http://evil.example"))
                == nil)
        #expect(
            g.checkActing([("host", "localhost"), ("origin", "https://app.example"), ("origin", "http://evil.example")]
            )?.status == 403)
    }

    @Test("read-only routes check only browser requests (Origin or Sec-Fetch-*)")
    func readOnly() {
        let g = Self.guardFor()
        #expect(g.checkReadOnly(Self.headers(host: "scrape.target:9")) == nil)
        #expect(g.checkReadOnly(Self.headers(host: nil)) == nil)
        #expect(g.checkReadOnly(Self.headers(host: "evil.example", origin: "http://evil.example"))?.status == 403)
        #expect(
            g.checkReadOnly(Self.headers(host: "evil.example", extra: [("sec-fetch-site", "same-origin")]))?.status
                == 403)
        #expect(g.checkReadOnly(Self.headers(host: "localhost:5039", origin: "http://localhost:3000")) == nil)
    }

    @Test("an echoed header value is capped at 100 characters")
    func echoIsCapped() {
        let long = String(repeating: "a", count: 5000) + ".example"
        let r = Self.guardFor().checkActing(Self.headers(host: "localhost", origin: "http://" + long))
        #expect(r != nil && r!.message.count < 400)
    }
}
