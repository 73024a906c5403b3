/// Where the Docker Engine API listens, from `DOCKER_HOST` (`unix:///path`, `tcp://host:port`)
/// or the default unix socket.
enum DockerEndpoint: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    static let defaultSocket = "/var/run/docker.sock"

    enum Failure: Error, Equatable, CustomStringConvertible {
        case unsupported(String)
        var description: String {
            switch self {
            case .unsupported(let v):
                return
                    "unsupported DOCKER_HOST \"\(v)\" (use unix:///path/to/docker.sock or tcp://host:port; TLS is not supported)"
            }
        }
    }

    /// Parses a `DOCKER_HOST` value; nil or empty means the default unix socket.
    static func parse(_ value: String?) throws(Failure) -> DockerEndpoint {
        guard let value, !value.isEmpty else { return .unix(path: defaultSocket) }
        if value.hasPrefix("unix://") {
            let path = String(value.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { throw .unsupported(value) }
            return .unix(path: path)
        }
        if value.hasPrefix("tcp://") || value.hasPrefix("http://") {
            var rest = Substring(value.drop(while: { $0 != "/" }).dropFirst(2))
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            var host = String(rest)
            var port = 2375
            if rest.hasPrefix("[") {
                // [ipv6]:port
                guard let close = rest.firstIndex(of: "]") else { throw .unsupported(value) }
                host = String(rest[rest.index(after: rest.startIndex)..<close])
                let after = rest[rest.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let p = Int(after.dropFirst()) else { throw .unsupported(value) }
                    port = p
                }
            } else if let colon = rest.lastIndex(of: ":") {
                host = String(rest[..<colon])
                guard let p = Int(rest[rest.index(after: colon)...]) else { throw .unsupported(value) }
                port = p
            }
            guard !host.isEmpty, (1...65535).contains(port) else { throw .unsupported(value) }
            return .tcp(host: host, port: port)
        }
        throw .unsupported(value)
    }

    /// The value for the HTTP Host header.
    var hostHeader: String {
        switch self {
        case .unix: return "docker"
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// True when the engine runs on this machine (host paths and pids mean the same thing).
    var isLocal: Bool {
        switch self {
        case .unix: return true
        case .tcp(let host, _): return host == "localhost" || host == "127.0.0.1" || host == "::1"
        }
    }

    var description: String {
        switch self {
        case .unix(let path): return "unix://\(path)"
        case .tcp: return "tcp://\(hostHeader)"
        }
    }
}
