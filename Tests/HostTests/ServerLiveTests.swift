import Foundation
import Glibc
import LinuxSystem
import Synchronization
import Testing

@testable import Host
@testable import Transport

@Suite("HTTPServer over real sockets", .serialized)
struct ServerLiveTests {
    @Test("handshake, echo, and a client close are carried over the wire byte-exactly")
    func webSocketRoundTrip() throws {
        let delegate = RecordingDelegate()
        let (server, port) = try startServer(delegate)
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        let head = c.upgrade()
        #expect(head.hasPrefix("HTTP/1.1 101 "))
        #expect(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"))
        c.send(ClientFrame.text("Hello"))
        #expect(c.read(7) == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        c.send(ClientFrame.close(1000))
        #expect(c.read(4) == [0x88, 0x02, 0x03, 0xE8])
        #expect(c.readToEnd().eof)
        #expect(delegate.wait { $0.closes == [1000] })
        let stats = server.stats
        #expect(stats.webSocketsOpened == 1 && stats.messagesReceived == 1 && stats.messagesSent == 1)
        #expect(stats.httpRequests == 1 && stats.protocolErrors == 0 && stats.connectionsAccepted == 1)
        #expect(stats.bytesReceived > 0 && stats.bytesSent > 0)
    }

    @Test("frames sent in the same packet as the handshake are processed")
    func framesWithHandshake() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send(
            Array(
                "GET /ws/jsonrpc HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                    .utf8) + ClientFrame.text("hi"))
        #expect(c.readHead().hasPrefix("HTTP/1.1 101 "))
        #expect(c.read(4) == [0x81, 0x02, 0x68, 0x69])
    }

    @Test("an unmasked client frame gets exactly the 1002 close frame, then EOF")
    func unmaskedOverWire() throws {
        let delegate = RecordingDelegate()
        let (server, port) = try startServer(delegate)
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        _ = c.upgrade()
        c.send(ClientFrame.make(0x1, Array("hi".utf8), masked: false))
        let rest = c.readToEnd()
        #expect(rest.bytes == [0x88, 0x02, 0x03, 0xEA])
        #expect(rest.eof)
        #expect(delegate.wait { $0.closes == [1002] })
        #expect(server.stats.protocolErrors == 1)
    }

    @Test("handshake failures answer 400, 426 with the version header, or the delegate's status")
    func handshakeRejections() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let v12 = try RawClient(port: port)
        v12.send(
            "GET /ws/jsonrpc HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        let h426 = v12.readHead()
        #expect(h426.hasPrefix("HTTP/1.1 426 ") && h426.contains("Sec-WebSocket-Version: 13\r\n"))
        let noKey = try RawClient(port: port)
        noKey.send(
            "GET /ws/jsonrpc HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        #expect(noKey.readHead().hasPrefix("HTTP/1.1 400 "))
        let rejected = try RawClient(port: port)
        #expect(rejected.upgrade(path: "/ws/jsonrpc?reject=1").hasPrefix("HTTP/1.1 401 "))
    }

    @Test("routes answer, unknown paths get 404, and pipelined responses come back in order")
    func routesAndPipelining() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send(
            "GET /echo-query?q=first HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nope HTTP/1.1\r\nHost: localhost\r\n\r\nGET /echo-query?q=third HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        let all = String(decoding: c.readToEnd().bytes, as: UTF8.self)
        let statuses = all.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(statuses == ["200", "404", "200"])
        #expect(all.range(of: "first")!.lowerBound < all.range(of: "third")!.lowerBound)
    }

    @Test("pipelined requests followed by a half-close are all answered before the server closes")
    func pipelinedThenHalfClose() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send(String(repeating: "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n", count: 3))
        Glibc.shutdown(c.fd, Int32(SHUT_WR))
        let r = c.readToEnd()
        #expect(String(decoding: r.bytes, as: UTF8.self).components(separatedBy: "HTTP/1.1 200 ").count == 4)
        #expect(r.eof)
    }

    @Test("limits over the wire: oversized headers get 431, CL with TE gets 400, and the connection closes")
    func limitsOverWire() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let big = try RawClient(port: port)
        big.send("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 20_000) + "\r\n\r\n")
        let r1 = big.readToEnd()
        #expect(String(decoding: r1.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 431 ") && r1.eof)
        let smuggle = try RawClient(port: port)
        smuggle.send(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        let r2 = smuggle.readToEnd()
        #expect(String(decoding: r2.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 400 ") && r2.eof)
    }

    @Test("a client that never finishes its headers gets 408 and is closed after the header timeout")
    func slowloris() throws {
        let (server, port) = try startServer { $0.headerTimeoutSeconds = 0.3 }
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        let start = MonotonicClock.now()
        c.send("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        let r = c.readToEnd()
        let elapsed = MonotonicClock.now() - start
        #expect(String(decoding: r.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 408 "))
        #expect(r.eof)
        #expect(elapsed >= 0.25 && elapsed < 3)
    }

    @Test("shutdown closes open WebSockets with 1001 and waits for the close handshake")
    func shutdownGoingAway() throws {
        let delegate = RecordingDelegate()
        let (server, port) = try startServer(delegate)
        let c = try RawClient(port: port)
        _ = c.upgrade()
        #expect(delegate.wait { $0.opened == 1 })
        #expect(server.openConnectionCount == 1)
        let done = ShutdownFlag()
        let thread = try OSThread {
            server.shutdown(timeoutSeconds: 5); done.set()
        }
        let frame = c.read(4)
        #expect(frame == [0x88, UInt8(frame.count > 1 ? frame[1] : 0), 0x03, 0xE9])
        _ = c.read(Int(frame.count > 1 ? frame[1] : 0) - 2)  // the reason text
        c.send(ClientFrame.close(1001))
        #expect(c.readToEnd().eof)
        thread.join()
        #expect(done.isSet)
        #expect(delegate.wait { $0.closes == [1001] })
    }

    @Test("a reader that never reads is dropped once its send buffer passes the cap, with 1008")
    func slowReaderDropped() throws {
        // A plain thread, not a Task: parallel suites may block every cooperative-pool thread.
        let delegate = RecordingDelegate(
            echo: false,
            onOpen: { connection in
                Thread.detachNewThread {
                    let chunk = String(repeating: "x", count: 64 << 10)
                    for _ in 0..<10_000 { if !connection.send(text: chunk) { break } }
                }
            })
        let (server, port) = try startServer(delegate) {
            $0.maxSendBufferBytes = 2 << 20; $0.readPauseBytes = 256 << 10
        }
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        var size: Int32 = 4096
        setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = c.upgrade()
        #expect(delegate.wait(seconds: 10) { $0.closes == [1008] })
        #expect(server.openConnectionCount == 0)
        #expect(server.stats.slowReaderDrops == 1 && server.stats.webSocketsOpen == 0)
    }

    @Test("an idle WebSocket is pinged, and dropped with 1006 when it never answers")
    func idlePingOverWire() throws {
        let delegate = RecordingDelegate()
        let (server, port) = try startServer(delegate) { $0.idlePingSeconds = 0.2 }
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        _ = c.upgrade()
        #expect(c.read(2) == [0x89, 0x00])
        #expect(c.readToEnd().eof)
        #expect(delegate.wait { $0.closes == [1006] })
    }

    @Test("an idle keep-alive HTTP connection is closed after the keep-alive timeout")
    func keepAliveTimeout() throws {
        let (server, port) = try startServer { $0.keepAliveTimeoutSeconds = 0.2 }
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let r = c.readToEnd()
        #expect(String(decoding: r.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200 "))
        #expect(r.eof)
    }

    @Test("connections beyond maxConnections are closed at once")
    func connectionCap() throws {
        let (server, port) = try startServer { $0.maxConnections = 2 }
        defer { server.shutdown() }
        let a = try RawClient(port: port), b = try RawClient(port: port)
        _ = a.upgrade(); _ = b.upgrade()
        let third = try RawClient(port: port)
        third.send("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(third.readToEnd() == ([], true))
        #expect(server.openConnectionCount == 2)
        #expect(server.stats.connectionsRejected == 1 && server.stats.webSocketsOpen == 2)
    }

    @Test("Expect: 100-continue gets an interim 100 before the body is sent")
    func expectContinueOverWire() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send("POST /health/live HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        #expect(c.readHead() == "HTTP/1.1 100 Continue\r\n\r\n")
        c.send("{}")
        #expect(c.readHead().hasPrefix("HTTP/1.1 200 "))
    }

    @Test("a client that floods pings without reading pongs is paused, not buffered without bound")
    func readPauseOnBackpressure() throws {
        let (server, port) = try startServer { $0.readPauseBytes = 64 << 10 }
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        _ = c.upgrade()
        _ = fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK)
        let ping = ClientFrame.make(0x9, [UInt8](repeating: 7, count: 125))
        var batch: [UInt8] = []
        for _ in 0..<64 { batch += ping }
        var sent = 0, offset = 0
        var blockedAt: Int?
        let deadline = MonotonicClock.now() + 10
        func sendSome() -> Int {  // resumes mid-batch after a partial write, so frames stay intact
            let n = batch.withUnsafeBytes {
                Glibc.send(c.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 { sent += n; offset = (offset + n) % batch.count }
            return n
        }
        while sent < 64 << 20, MonotonicClock.now() < deadline {
            if sendSome() > 0 { continue }
            // The server stopped reading: give it a moment to prove it is not still draining us.
            usleep(200_000)
            if sendSome() <= 0 { blockedAt = sent; break }
        }
        #expect(blockedAt != nil)
        #expect((blockedAt ?? .max) < 32 << 20)
        #expect(server.openConnectionCount == 1)
    }

    @Test("start fails cleanly on a port in use, and a server starts only once")
    func startFailures() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        #expect(throws: ServerError.self) { _ = try server.start() }
        var options = ServerOptions()
        options.port = port
        let second = HTTPServer(
            options: options, delegate: RecordingDelegate(), routes: TestRoutes(),
            logger: Logger("t", sink: Logger.Sink { _ in }))
        #expect(throws: ServerError.self) { _ = try second.start() }
        #expect(second.openConnectionCount == 0)
    }

    @Test("HEAD gets the head of the response without a body")
    func headRequest() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send("HEAD /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let text = String(decoding: c.readToEnd().bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 ") && text.hasSuffix("\r\n\r\n"))
    }
}

final class ShutdownFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
