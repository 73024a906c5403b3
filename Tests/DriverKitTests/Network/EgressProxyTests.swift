import CSystem
import Glibc
import Testing

@testable import DriverKit

/// The proxy in-process, on loopback of this process's namespace: only refusals are exercised, so no
/// connection ever leaves the machine.
@Suite struct EgressProxyTests {
    /// Sends `request` to a fresh proxy allowing `allowed` and returns the status line it answers.
    func ask(_ request: String, allowed: Set<EgressProxy.Target>) throws -> String {
        var port: Int32 = 0
        let listener = cs_tcp_listen("127.0.0.1", 0, 16, &port)
        try #require(listener >= 0)
        _ = cs_set_nonblocking(listener, 0)
        let proxy = try EgressProxy(listener: listener, allowed: allowed)
        defer { proxy.stop() }
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(s) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(rc == 0)
        #expect(FD.writeAll(s, Array(request.utf8)))
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(s, $0.baseAddress, 4096) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func connectToAHostNotOnTheList_Is403_AndRemembered() throws {
        let reply = try ask(
            "CONNECT elsewhere.invalid:443 HTTP/1.1\r\nHost: elsewhere.invalid:443\r\n\r\n",
            allowed: [.init(host: "index.invalid", port: 443)])
        #expect(reply.hasPrefix("HTTP/1.1 403"))
        #expect(reply.contains("elsewhere.invalid:443 is not allowed"))
    }

    @Test func plainHTTP_Is403() throws {
        let reply = try ask(
            "GET http://index.invalid/simple/ HTTP/1.1\r\nHost: index.invalid\r\n\r\n",
            allowed: [.init(host: "index.invalid", port: 443)])
        #expect(reply.hasPrefix("HTTP/1.1 403") && reply.contains("only HTTPS (CONNECT)"))
    }

    @Test func anAllowedNameThatResolvesToLoopback_IsNeverConnected() throws {
        let reply = try ask("CONNECT localhost:443 HTTP/1.1\r\n\r\n", allowed: [.init(host: "localhost", port: 443)])
        #expect(reply.hasPrefix("HTTP/1.1 502") && reply.contains("may not reach"))
    }

    @Test func theRightPortMatters() throws {
        let reply = try ask(
            "CONNECT index.invalid:8443 HTTP/1.1\r\n\r\n", allowed: [.init(host: "index.invalid", port: 443)])
        #expect(reply.hasPrefix("HTTP/1.1 403"))
    }
}
