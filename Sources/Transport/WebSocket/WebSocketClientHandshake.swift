import DriverProtocol

/// The client side of the opening handshake (RFC 6455 §4.1): the upgrade request, and the check of the
/// server's answer (status 101, Upgrade, Connection, and `Sec-WebSocket-Accept` matching our key).
public enum WebSocketClientHandshake: Sendable {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The HTTP status when the server answered with something other than 101; nil for a bad 101.
        public var status: Int?
        public var description: String
    }

    /// The GET request; `headers` are extra lines such as `Authorization: Bearer …`.
    public static func request(
        host: String, path: String, key: String, protocols: [String] = [], headers: [String] = []
    ) -> [UInt8] {
        var head = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        head += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        if !protocols.isEmpty { head += "Sec-WebSocket-Protocol: \(protocols.joined(separator: ", "))\r\n" }
        for line in headers { head += line + "\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// A fresh key: base64 of 16 random bytes.
    public static func makeKey<G: RandomNumberGenerator>(using generator: inout G) -> String {
        Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Checks the response head (status line and headers, without the blank line) and the body read so far
    /// (an error answer's `{"error": …}`); returns the subprotocol the server picked, if any.
    public static func check(head: String, body: String = "", key: String) -> Result<String?, Failure> {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let status = lines.first.map { $0.split(separator: " ", maxSplits: 2) } ?? []
        guard status.count >= 2, status[0].hasPrefix("HTTP/1."), let code = Int(status[1]) else {
            return .failure(Failure(status: nil, description: "not an HTTP server (bad status line)"))
        }
        guard code == 101 else {
            let reason = status.count > 2 ? String(status[2]) : ""
            let detail = errorText(body) ?? reason
            return .failure(Failure(status: code, description: "HTTP \(code)" + (detail.isEmpty ? "" : ": \(detail)")))
        }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            fields[name] = line[line.index(after: colon)...].trimmingASCIIWhitespace()
        }
        guard fields["upgrade"]?.lowercased() == "websocket" else {
            return .failure(Failure(status: 101, description: "101 without Upgrade: websocket"))
        }
        guard fields["sec-websocket-accept"] == WebSocketHandshake.acceptValue(forKey: key) else {
            return .failure(Failure(status: 101, description: "wrong Sec-WebSocket-Accept"))
        }
        return .success(fields["sec-websocket-protocol"])
    }

    /// The `error` string of a JSON error body such as `{"error": "missing or invalid token"}`.
    static func errorText(_ body: String) -> String? {
        (try? JSONParser.parse(body))?["error"]?.string
    }
}
