import Testing
import Synchronization
import Glibc
@testable import Host

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
    }

    @Test("frames sent in the same packet as the handshake are processed")
    func framesWithHandshake() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send(Array("GET /ws/jsonrpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".utf8) + ClientFrame.text("hi"))
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
    }

    @Test("handshake failures answer 400, 426 with the version header, or the delegate's status")
    func handshakeRejections() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let v12 = try RawClient(port: port)
        v12.send("GET /ws/jsonrpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        let h426 = v12.readHead()
        #expect(h426.hasPrefix("HTTP/1.1 426 ") && h426.contains("Sec-WebSocket-Version: 13\r\n"))
        let noKey = try RawClient(port: port)
        noKey.send("GET /ws/jsonrpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
        #expect(noKey.readHead().hasPrefix("HTTP/1.1 400 "))
        let rejected = try RawClient(port: port)
        #expect(rejected.upgrade(path: "/ws/jsonrpc?reject=1").hasPrefix("HTTP/1.1 401 "))
    }

    @Test("routes answer, unknown paths get 404, and pipelined responses come back in order")
    func routesAndPipelining() throws {
        let (server, port) = try startServer()
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        c.send("GET /echo-query?q=first HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /echo-query?q=third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let all = String(decoding: c.readToEnd().bytes, as: UTF8.self)
        let statuses = all.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(statuses == ["200", "404", "200"])
        #expect(all.range(of: "first")!.lowerBound < all.range(of: "third")!.lowerBound)
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
        smuggle.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        let r2 = smuggle.readToEnd()
        #expect(String(decoding: r2.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 400 ") && r2.eof)
    }

    @Test("a client that never finishes its headers gets 408 and is closed after the header timeout")
    func slowloris() throws {
        let (server, port) = try startServer { $0.headerTimeoutSeconds = 0.3 }
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        let start = MonotonicClock.now()
        c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
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
        let thread = try LoopThread { server.shutdown(timeoutSeconds: 5); done.set() }
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
        let delegate = RecordingDelegate(echo: false, onOpen: { connection in
            Task.detached {
                let chunk = String(repeating: "x", count: 64 << 10)
                for _ in 0..<10_000 where connection.send(text: chunk) { await Task.yield() }
            }
        })
        let (server, port) = try startServer(delegate) { $0.maxSendBufferBytes = 2 << 20; $0.readPauseBytes = 256 << 10 }
        defer { server.shutdown() }
        let c = try RawClient(port: port)
        var size: Int32 = 4096
        setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = c.upgrade()
        #expect(delegate.wait(seconds: 10) { $0.closes == [1008] })
        #expect(server.openConnectionCount == 0)
    }
}

final class ShutdownFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
