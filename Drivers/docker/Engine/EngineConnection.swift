import CSystem
import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One blocking socket to the Docker Engine (unix or TCP), with a read-ahead buffer.
/// Used by one thread at a time: the pool hands it out exclusively.
final class EngineConnection: @unchecked Sendable {
    private(set) var fd: Int32
    /// Bytes read from the socket and not yet consumed by a parser.
    var buffer: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    static func connect(to endpoint: DockerEndpoint) throws(EngineError) -> EngineConnection {
        switch endpoint {
        case .unix(let path): return try connectUnix(path)
        case .tcp(let host, let port): return try connectTCP(host, port)
        }
    }

    private static func connectUnix(_ path: String) throws(EngineError) -> EngineConnection {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw EngineError(.unreachable, "socket(AF_UNIX): \(errnoText())") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            Glibc.close(fd); throw EngineError(.unreachable, "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                Syscall.retrying { Glibc.connect(fd, sp, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        guard rc == 0 else {
            let msg = errnoText()
            Glibc.close(fd)
            throw EngineError(.unreachable, "cannot connect to the Docker daemon at unix://\(path): \(msg)")
        }
        return EngineConnection(fd: fd)
    }

    private static func connectTCP(_ host: String, _ port: Int) throws(EngineError) -> EngineConnection {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var res: UnsafeMutablePointer<addrinfo>?
        let gai = getaddrinfo(host, String(port), &hints, &res)
        guard gai == 0, let first = res else {
            throw EngineError(.unreachable, "cannot resolve Docker host \(host): \(String(cString: gai_strerror(gai)))")
        }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let fd = socket(
                a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            if fd >= 0 {
                if Syscall.retrying({ Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) }) == 0 {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return EngineConnection(fd: fd)
                }
                lastError = errnoText()
                Glibc.close(fd)
            }
            ai = a.pointee.ai_next
        }
        throw EngineError(.unreachable, "cannot connect to the Docker daemon at tcp://\(host):\(port): \(lastError)")
    }

    func write(_ bytes: [UInt8]) throws(EngineError) {
        let failed = bytes.withUnsafeBytes { buf -> SystemError? in
            do throws(SystemError) { try FD.sendFully(fd, buf); return nil } catch { return error }
        }
        if let failed { throw EngineError(.transport, "write to Docker daemon: \(failed.text)") }
    }

    /// Reads once into `buffer`. Returns the byte count, 0 on EOF. Waits at most until `deadline`
    /// (monotonic nanoseconds; nil waits forever).
    @discardableResult
    func readMore(deadline: UInt64? = nil) throws(EngineError) -> Int {
        if let deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while true {
                let now = MonotonicClock.nowNs()
                guard now < deadline else { throw EngineError(.timeout, "Docker daemon did not answer in time") }
                let ms = Int32(min((deadline - now) / 1_000_000 + 1, 60_000))
                let rc = Syscall.retrying { poll(&pfd, 1, ms) }
                if rc > 0 { break }
                if rc < 0 { throw EngineError(.transport, "poll: \(errnoText())") }
            }
        }
        let n = scratch.withUnsafeMutableBytes { buf in Syscall.retrying { Glibc.read(fd, buf.baseAddress!, buf.count) }
        }
        if n < 0 { throw EngineError(.transport, "read from Docker daemon: \(errnoText())") }
        if n > 0 { buffer.append(contentsOf: scratch[0..<n]) }
        return n
    }

    /// Half-close: the daemon then closes the exec's stdin.
    func shutdownWrite() { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
    }

    /// True when the peer has closed or sent unexpected data while idle in the pool.
    var isStaleWhileIdle: Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) != 0
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
