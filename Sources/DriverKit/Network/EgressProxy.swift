import CSystem
import Glibc
import Synchronization

/// An allowlisting HTTP CONNECT proxy for installers. It accepts on a listener that lives inside the
/// installer's own network namespace (which has nothing else: no route out), and connects from the
/// driver's namespace only to `allowed` host:port pairs (the configured package indexes). Everything
/// else, plain-HTTP requests included, is answered `403` with the reason, so a redirected installer
/// (a links page, a URL dependency, a project registry setting) reaches nothing.
public final class EgressProxy: Sendable {
    public struct Target: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) { self.host = host.lowercased(); self.port = port }
        public var description: String { "\(host):\(port)" }
    }

    public static let maxConnections = 64
    static let headLimit = 8192
    static let idleTimeoutMs: Int32 = 120_000

    let listener: Int32
    let allowed: Set<Target>
    private let stopPipe: (read: Int32, write: Int32)
    private let state = Mutex<(open: Set<Int32>, stopped: Bool, refused: [String])>(
        (open: [], stopped: false, refused: []))

    /// Serves `listener` (an accepted-on socket) until `stop()`.
    public init(listener: Int32, allowed: Set<Target>) throws(DriverError) {
        self.listener = listener
        self.allowed = allowed
        do throws(SystemError) { stopPipe = try FD.pipe() } catch { throw DriverError(error) }
        OSThread.start { [self] in acceptLoop() }
    }

    /// Destinations refused so far (for the install's error message).
    public var refused: [String] { state.withLock { $0.refused } }

    public func stop() {
        let fds = state.withLock { s -> Set<Int32> in
            guard !s.stopped else { return [] }
            s.stopped = true
            return s.open
        }
        _ = FD.writeAll(stopPipe.write, [1])
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        defer { FD.close(listener); FD.close(stopPipe.read); FD.close(stopPipe.write) }
        while true {
            var fds = [
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            ]
            let n = Syscall.retrying { poll(&fds, 2, -1) }
            if n < 0 || fds[1].revents != 0 { return }
            let c = accept(listener, nil, nil)
            if c < 0 { continue }
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            let admitted = state.withLock { s -> Bool in
                guard !s.stopped, s.open.count < Self.maxConnections else { return false }
                s.open.insert(c)
                return true
            }
            guard admitted else { Glibc.close(c); continue }
            OSThread.start { [self] in
                serve(c)
                state.withLock { _ = $0.open.remove(c) }
                Glibc.close(c)
            }
        }
    }

    private func serve(_ client: Int32) {
        guard let head = readHead(client) else { return }
        let line = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT", let target = Self.parse(String(parts[1])) else {
            let what = parts.count > 1 ? "\(parts[0]) \(parts[1].prefix(200))" : String(line.prefix(200))
            note(what)
            return reply(client, 403, "only HTTPS (CONNECT) to the configured package index is allowed, not \(what)")
        }
        guard allowed.contains(target) else {
            note(target.description)
            return reply(
                client, 403, "egress to \(target) is not allowed: installs reach only the configured package index")
        }
        let upstream = connect(target)
        guard upstream.fd >= 0 else { return reply(client, 502, upstream.error) }
        defer { Glibc.close(upstream.fd) }
        guard FD.writeAll(client, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)) else { return }
        relay(client, upstream.fd)
    }

    /// Remembers (and logs, at most 16 per install) a refused destination.
    private func note(_ what: String) {
        let first = state.withLock { s -> Bool in
            guard s.refused.count < 16 else { return false }
            s.refused.append(what)
            return true
        }
        if first { DriverLog.warning("install egress refused: \(what)") }
    }

    static func parse(_ authority: String) -> Target? {
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(authority[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        return Target(host: host, port: port)
    }

    private func readHead(_ fd: Int32) -> String? {
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while buf.count < Self.headLimit {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 10_000) == 1 else { return nil }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 1024) }
            if n <= 0 { return nil }
            buf += chunk[0..<n]
            if let text = String(validating: buf, as: UTF8.self), text.contains("\r\n\r\n") { return text }
        }
        return nil
    }

    private func reply(_ fd: Int32, _ status: Int, _ reason: String) {
        let phrase = status == 403 ? "Forbidden" : "Bad Gateway"
        let body = "codebeaker egress: \(reason)\n"
        _ = FD.writeAll(
            fd,
            Array(
                "HTTP/1.1 \(status) \(phrase)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                    .utf8))
    }

    /// Resolves and connects from the driver's namespace, refusing loopback, link-local and the like.
    private func connect(_ t: Target) -> (fd: Int32, error: String) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(t.host, String(t.port), &hints, &res) == 0, let first = res else {
            return (-1, "cannot resolve \(t.host)")
        }
        defer { freeaddrinfo(res) }
        var err = "cannot connect to \(t)"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            defer { ai = a.pointee.ai_next }
            let bytes: [UInt8]
            if a.pointee.ai_family == AF_INET {
                bytes = a.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
                }
            } else if a.pointee.ai_family == AF_INET6 {
                bytes = a.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
                }
            } else {
                continue
            }
            if BlockedDestinations.isNeverReachable(family: a.pointee.ai_family, bytes) {
                err = "\(t.host) resolves to an address installs may not reach"
                continue
            }
            let s = socket(a.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if s < 0 { continue }
            var tv = timeval(tv_sec: 15, tv_usec: 0)
            setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return (s, "") }
            err = "cannot connect to \(t): \(String(cString: strerror(errno)))"
            Glibc.close(s)
        }
        return (-1, err)
    }

    /// Copies both ways until both sides are done or nothing moves for `idleTimeoutMs`.
    private func relay(_ a: Int32, _ b: Int32) {
        var buf = [UInt8](repeating: 0, count: 65536)
        var open = [true, true]  // a→b, b→a
        let ends = [(a, b), (b, a)]
        while open[0] || open[1] {
            var fds = [
                pollfd(fd: open[0] ? a : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? b : -1, events: Int16(POLLIN), revents: 0),
            ]
            let n = Syscall.retrying { poll(&fds, 2, Self.idleTimeoutMs) }
            if n <= 0 { return }
            for i in 0..<2 where open[i] && fds[i].revents != 0 {
                let (from, to) = ends[i]
                let got = buf.withUnsafeMutableBytes { p in Syscall.retrying { Glibc.read(from, p.baseAddress, 65536) }
                }
                if got <= 0 || !FD.writeAll(to, Array(buf[0..<got])) {
                    open[i] = false
                    shutdown(to, Int32(SHUT_WR))
                }
            }
        }
    }
}
