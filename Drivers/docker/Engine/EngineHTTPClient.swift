import DriverProtocol
import LinuxSystem
import Synchronization

/// A reply from the Engine API with its body fully read.
struct EngineResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    /// The body as JSON (Docker answers JSON everywhere it answers with a body).
    func json() throws(EngineError) -> JSONValue {
        if body.isEmpty { return .null }
        do { return try JSONParser.parse(body) } catch {
            throw EngineError(.transport, "Docker sent invalid JSON: \(error)")
        }
    }
}

/// HTTP/1.1 over raw sockets to the Docker Engine, with a small pool of keep-alive connections.
/// Thread-safe: each call checks a connection out of the pool for its duration.
final class EngineHTTPClient: Sendable {
    let endpoint: DockerEndpoint
    private let idle = Mutex<[EngineConnection]>([])
    private let opened = Atomic<Int>(0)
    private let maxIdle: Int

    /// Connections opened so far (pooled reuse keeps this flat; tests check it).
    var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    init(endpoint: DockerEndpoint, maxIdle: Int = 8) {
        self.endpoint = endpoint
        self.maxIdle = maxIdle
    }

    /// Opens up to `count` idle connections ahead of time so the next hijack skips connect().
    func prewarm(_ count: Int) {
        for _ in 0..<count {
            guard let c = try? EngineConnection.connect(to: endpoint) else { return }
            opened.add(1, ordering: .relaxed)
            checkin(c)
        }
    }

    /// Sends one request and reads the whole reply. Status >= 400 throws `.api` with Docker's message.
    func request(
        _ method: String, _ path: String, body: JSONValue? = nil,
        timeoutMs: Int = 60_000
    ) throws(EngineError) -> EngineResponse {
        let payload = Self.serialize(method, path, body: body, host: endpoint.hostHeader, upgrade: false)
        let deadline = MonotonicClock.nowNs() + UInt64(timeoutMs) * 1_000_000
        var attempt = 0
        while true {
            attempt += 1
            let (conn, reused) = try checkout()
            let response: EngineResponse
            do throws(EngineError) {
                try conn.write(payload)
                let (head, keepAlive, bodyBytes) = try readResponse(conn, method: method, deadline: deadline)
                response = EngineResponse(status: head.status, headers: head.headers, body: bodyBytes)
                // Back to the pool only after the whole reply is read; never touched again here.
                if keepAlive { checkin(conn) } else { conn.close() }
            } catch let e {
                conn.close()
                // A pooled connection the daemon closed while idle fails before any reply byte: retry once fresh.
                if reused, attempt == 1, e.kind == .transport, e.message.hasPrefix(Self.closedBeforeReply) { continue }
                throw e
            }
            if response.status >= 400 { throw Self.apiError(response) }
            return response
        }
    }

    /// Sends a request that upgrades the connection to a raw stream (exec start, attach).
    /// Returns the connection with any stream bytes already read in its `buffer`; the caller owns and closes it.
    func hijack(_ method: String, _ path: String, body: JSONValue?, timeoutMs: Int = 60_000) throws(EngineError)
        -> EngineConnection
    {
        let payload = Self.serialize(method, path, body: body, host: endpoint.hostHeader, upgrade: true)
        let deadline = MonotonicClock.nowNs() + UInt64(timeoutMs) * 1_000_000
        var attempt = 0
        while true {
            attempt += 1
            let (conn, reused) = try checkout()
            do throws(EngineError) {
                try conn.write(payload)
                let head = try readHead(conn, deadline: deadline)
                if head.status >= 400 {
                    let body = try readBody(conn, head: head, method: method, deadline: deadline)
                    conn.close()
                    throw Self.apiError(EngineResponse(status: head.status, headers: head.headers, body: body))
                }
                return conn
            } catch let e {
                conn.close()
                if reused, attempt == 1, e.kind == .transport, e.message.hasPrefix(Self.closedBeforeReply) { continue }
                throw e
            }
        }
    }

    // MARK: pool

    private func checkout() throws(EngineError) -> (EngineConnection, Bool) {
        while let c = idle.withLock({ $0.popLast() }) {
            if c.fd < 0 || c.isStaleWhileIdle { c.close(); continue }
            return (c, true)
        }
        let c = try EngineConnection.connect(to: endpoint)
        opened.add(1, ordering: .relaxed)
        return (c, false)
    }

    private func checkin(_ c: EngineConnection) {
        guard c.buffer.isEmpty else { c.close(); return }
        let kept = idle.withLock { list -> Bool in
            guard list.count < maxIdle else { return false }
            list.append(c)
            return true
        }
        if !kept { c.close() }
    }

    /// Closes every idle connection (shutdown).
    func closeIdle() {
        let all = idle.withLock { list -> [EngineConnection] in
            defer { list.removeAll() }; return list
        }
        for c in all { c.close() }
    }

    // MARK: wire

    static let closedBeforeReply = "connection closed before reply"

    static func serialize(_ method: String, _ path: String, body: JSONValue?, host: String, upgrade: Bool) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: codebeaker-driver-docker\r\n"
        if upgrade { head += "Connection: Upgrade\r\nUpgrade: tcp\r\n" }
        var out: [UInt8]
        if let body {
            let bytes = JSONWriter.bytes(body)
            head += "Content-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n"
            out = Array(head.utf8)
            out.append(contentsOf: bytes)
        } else {
            head += method == "GET" || method == "HEAD" ? "\r\n" : "Content-Length: 0\r\n\r\n"
            out = Array(head.utf8)
        }
        return out
    }

    private func readHead(_ conn: EngineConnection, deadline: UInt64) throws(EngineError) -> HTTPResponseHead {
        while true {
            let parsed: (HTTPResponseHead, Int)?
            do { parsed = try HTTPResponseHead.parse(conn.buffer) } catch {
                throw EngineError(.transport, "malformed HTTP reply from Docker: \(error)")
            }
            if let (head, length) = parsed {
                conn.buffer.removeFirst(length)
                // Skip interim 1xx replies other than 101 (switching protocols).
                if (100..<200).contains(head.status) && head.status != 101 { continue }
                return head
            }
            if try conn.readMore(deadline: deadline) == 0 {
                throw EngineError(
                    .transport, conn.buffer.isEmpty ? Self.closedBeforeReply : "Docker closed the connection mid-reply")
            }
        }
    }

    private func readResponse(
        _ conn: EngineConnection, method: String,
        deadline: UInt64
    ) throws(EngineError) -> (HTTPResponseHead, Bool, [UInt8]) {
        let head = try readHead(conn, deadline: deadline)
        let body = try readBody(conn, head: head, method: method, deadline: deadline)
        let keepAlive = head.keepAlive && head.framing(requestMethod: method) != .untilClose
        return (head, keepAlive, body)
    }

    private func readBody(
        _ conn: EngineConnection, head: HTTPResponseHead, method: String,
        deadline: UInt64
    ) throws(EngineError) -> [UInt8] {
        switch head.framing(requestMethod: method) {
        case .none:
            return []
        case .contentLength(let n):
            while conn.buffer.count < n {
                if try conn.readMore(deadline: deadline) == 0 {
                    throw EngineError(.transport, "Docker closed the connection mid-body")
                }
            }
            let body = Array(conn.buffer[0..<n])
            conn.buffer.removeFirst(n)
            return body
        case .chunked:
            var decoder = ChunkedDecoder()
            var body: [UInt8] = []
            while true {
                let consumed: Int
                do {
                    consumed = try conn.buffer.withUnsafeBytes { buf throws(ChunkedDecoder.Failure) in
                        try decoder.feed(buf, into: &body)
                    }
                } catch { throw EngineError(.transport, "malformed chunked body from Docker: \(error)") }
                conn.buffer.removeFirst(consumed)
                if decoder.isDone { return body }
                if try conn.readMore(deadline: deadline) == 0 {
                    throw EngineError(.transport, "Docker closed the connection mid-body")
                }
            }
        case .untilClose:
            while try conn.readMore(deadline: deadline) > 0 {}
            defer { conn.buffer.removeAll() }
            return conn.buffer
        }
    }

    static func apiError(_ r: EngineResponse) -> EngineError {
        let message = (try? r.json())?["message"]?.string ?? String(decoding: r.body.prefix(500), as: UTF8.self)
        return EngineError(.api, message.isEmpty ? "HTTP \(r.status)" : message, status: r.status)
    }
}
