import DriverProtocol
import Glibc
import LinuxSystem
import Synchronization

@testable import Host
@testable import Transport

/// A blocking TCP client with a receive timeout, for driving the real server byte by byte.
final class RawClient {
    let fd: Int32

    init(port: Int, timeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 { close(fd); throw ServerError(description: "connect failed: \(errno)") }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until `count` bytes, EOF or timeout.
    func read(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, count - out.count), 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    /// Reads until EOF (or timeout); `eof` tells which (a reset counts as the end too, not as a timeout).
    func readToEnd() -> (bytes: [UInt8], eof: Bool) {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (out, true) }
            if n < 0 { return (out, errno == ECONNRESET) }
            out += buf[0..<n]
        }
    }

    /// Reads an HTTP response head (up to the blank line).
    func readHead() -> String {
        var out: [UInt8] = []
        while !(out.count >= 4 && Array(out.suffix(4)) == [13, 10, 13, 10]) {
            let b = read(1)
            if b.isEmpty { break }
            out += b
        }
        return String(decoding: out, as: UTF8.self)
    }

    func upgrade(path: String = "/ws/jsonrpc", extra: String = "") -> String {
        send(
            "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\(extra)\r\n"
        )
        return readHead()
    }
}

/// Records delegate calls; echoes text back; rejects upgrades with `?reject`.
final class RecordingDelegate: WebSocketDelegate {
    struct State {
        var opened = 0; var received: [String] = []; var closes: [UInt16] = [];
        var connections: [any WebSocketConnection] = []
    }
    let state = Mutex(State())
    let echo: Bool
    let onOpen: (@Sendable (any WebSocketConnection) -> Void)?

    init(echo: Bool = true, onOpen: (@Sendable (any WebSocketConnection) -> Void)? = nil) {
        self.echo = echo; self.onOpen = onOpen
    }

    func shouldUpgrade(_ request: UpgradeRequest) -> UpgradeDecision {
        if request.query["reject"] != nil { return .reject(status: 401, message: "no token") }
        return .accept(principal: "tester", subprotocol: request.header("sec-websocket-protocol"))
    }
    func didOpen(_ connection: any WebSocketConnection) {
        state.withLock {
            $0.opened += 1; $0.connections.append(connection)
        }
        onOpen?(connection)
    }
    func didReceive(text: String, from connection: any WebSocketConnection) {
        state.withLock { $0.received.append(text) }
        if echo { connection.send(text: text) }
    }
    func didClose(_ connection: any WebSocketConnection, code: UInt16) { state.withLock { $0.closes.append(code) } }

    /// Waits (bounded) for a condition on the recorded state.
    func wait(seconds: Double = 5, _ condition: (State) -> Bool) -> Bool {
        let deadline = MonotonicClock.now() + seconds
        while MonotonicClock.now() < deadline {
            if state.withLock({ condition($0) }) { return true }
            usleep(5_000)
        }
        return state.withLock { condition($0) }
    }
}

struct TestRoutes: HTTPRouteHandler {
    func handle(method: String, path: String, query: [String: String], headers: [(name: String, value: String)]) async
        -> HTTPResponseBody?
    {
        switch path {
        case "/health/live": return .json(200, ["status": "live"])
        case "/echo-query":
            return HTTPResponseBody(status: 200, contentType: "text/plain", body: Array((query["q"] ?? "").utf8))
        case "/stream":
            // Three parts with an empty one between (it must not end the chunked body early).
            let (stream, out) = AsyncStream<[UInt8]>.makeStream()
            for part in ["data: one\n\n", "", "data: two\n\n"] { out.yield(Array(part.utf8)) }
            out.finish()
            return .streaming(contentType: "text/event-stream", headers: [("X-Test", "1")], stream)
        default: return nil
        }
    }
}

func startServer(
    _ delegate: RecordingDelegate = RecordingDelegate(), configure: (inout ServerOptions) -> Void = { _ in }
) throws -> (HTTPServer, Int) {
    var options = ServerOptions()
    options.port = 0
    configure(&options)
    let server = HTTPServer(
        options: options, delegate: delegate, routes: TestRoutes(), logger: Logger("test", sink: ProcessInfoSink.sink))
    return (server, try server.start())
}

enum ProcessInfoSink {
    static let sink: Logger.Sink = {
        if getenv("CB_TEST_LOG") != nil { Logger.configure(level: .debug, format: .text) }
        return Logger.Sink { line in
            if getenv("CB_TEST_LOG") != nil { var b = Array(line.utf8); _ = write(2, &b, b.count) }
        }
    }()
}
