/// The server side of the opening handshake (RFC 6455 §4.2.1), checked in order: method, HTTP/1.1, one Host,
/// Upgrade, Connection, version, key. Pure functions over the parsed request.
public enum WebSocketHandshake: Sendable {
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    public struct Rejection: Error, Sendable, Equatable {
        public var status: Int
        public var message: String
        /// 426 answers carry `Sec-WebSocket-Version: 13`.
        public var headers: [String]
    }

    /// `Sec-WebSocket-Accept` for a client key: base64(SHA-1(key + GUID)).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + guid).utf8)))
    }

    /// Returns the client's key if the request is a valid upgrade.
    /// `minorVersion` is the request's HTTP/1.x minor version (an upgrade needs HTTP/1.1 or later).
    public static func validate(method: String, minorVersion: Int = 1, headers: [(name: String, value: String)])
        -> Result<String, Rejection>
    {
        func reject(_ status: Int, _ message: String, _ headers: [String] = []) -> Result<String, Rejection> {
            .failure(Rejection(status: status, message: message, headers: headers))
        }
        guard method == "GET" else { return reject(400, "WebSocket upgrade requires GET") }
        guard minorVersion >= 1 else { return reject(400, "WebSocket upgrade requires HTTP/1.1") }
        let hosts = headers.filter { $0.name == "host" }
        guard hosts.count == 1, !hosts[0].value.isEmpty else {
            return reject(400, hosts.count > 1 ? "more than one Host header" : "missing Host header")
        }
        let upgrade = HTTPRequest.tokens("upgrade", in: headers).map { $0.lowercased() }
        guard upgrade.contains("websocket") else { return reject(400, "missing Upgrade: websocket") }
        let connection = HTTPRequest.tokens("connection", in: headers).map { $0.lowercased() }
        guard connection.contains("upgrade") else { return reject(400, "missing Connection: Upgrade") }
        let versions = HTTPRequest.tokens("sec-websocket-version", in: headers)
        guard versions == ["13"] else {
            return reject(426, "unsupported WebSocket version", ["Sec-WebSocket-Version: 13"])
        }
        let keys = headers.filter { $0.name == "sec-websocket-key" }
        guard keys.count == 1 else { return reject(400, "missing or repeated Sec-WebSocket-Key") }
        let key = Substring(keys[0].value).trimmingASCIIWhitespace()
        guard let raw = Base64.decode(key), raw.count == 16 else {
            return reject(400, "Sec-WebSocket-Key must be base64 of 16 bytes")
        }
        return .success(key)
    }

    /// The 101 response; `subprotocol` is echoed when the application picked one.
    public static func response(key: String, subprotocol: String?) -> [UInt8] {
        var head =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(acceptValue(forKey: key))\r\n"
        if let subprotocol { head += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }
}
