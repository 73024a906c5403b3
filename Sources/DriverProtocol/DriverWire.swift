/// Constants and message shapes of the driver protocol (docs/driver-protocol.md).
/// Messages are JSON-RPC 2.0 objects, one per line, over the driver's stdin/stdout.
public enum DriverWire: Sendable {
    public static let protocolVersion = 1
    public static let supportedVersions = [1]
    /// Largest line either side may send (16 MiB plus room for JSON escaping of 1 MiB outputs).
    public static let maxLineBytes = 32 * 1024 * 1024

    public enum Method: Sendable {
        public static let handshake = "handshake"
        public static let ping = "ping"
        public static let shutdown = "shutdown"
        public static let cancel = "cancel"
        public static let sessionOpen = "session.open"
        public static let sessionClose = "session.close"
        public static let execute = "execute"
        public static let shell = "shell"
        public static let install = "install"
    }

    /// Notifications a driver sends while a request runs.
    public enum Event: Sendable {
        public static let output = "output"
        public static let progress = "progress"
        /// Not tied to a request: `{"capabilities":{...}}`, the driver's whole new capabilities (a language
        /// added or gone, a version probe finished); the host replaces what the handshake said.
        public static let capabilitiesChanged = "capabilities.changed"
        /// Not tied to a request: `{"session":id,"reason":"..."}`, a session whose runner died before it ran
        /// anything. The driver starts a new runner as for any death; the host discards the session if it is
        /// a pooled sandbox nobody holds yet (docs/driver-protocol.md, "Notifications").
        public static let sessionLost = "session.lost"
    }

    /// A call's own time budget (`timeoutMs` of execute, shell and install), read from its params as sent,
    /// so the host can wait a grace period longer than the driver does.
    public static func callTimeoutMs(in params: JSONValue) -> Int? { params["timeoutMs"]?.int }

    public enum ErrorCode: Sendable {
        public static let parseError = -32700
        public static let invalidRequest = -32600
        public static let methodNotFound = -32601
        public static let invalidParams = -32602
        public static let internalError = -32603
        public static let sessionNotFound = -32000
        public static let versionMismatch = -32001
        public static let unavailable = -32002
        public static let cancelled = -32003
        public static let unsupported = -32004
    }
}

/// One message on the wire, either direction.
public enum DriverMessage: Sendable, Equatable {
    case request(id: Int, method: String, params: JSONValue)
    case notification(method: String, params: JSONValue)
    case result(id: Int, result: JSONValue)
    case error(id: Int?, code: Int, message: String, data: JSONValue?)

    public init(parsing line: [UInt8]) throws(JSONParser.Error) {
        let v = try JSONParser.parse(line)
        guard case .object(let o) = v else { throw JSONParser.Error(message: "message is not an object", offset: 0) }
        let id = o["id"]?.int
        if let method = o["method"]?.string {
            let params = o["params"] ?? .object(JSONObject())
            if let id {
                self = .request(id: id, method: method, params: params)
            } else {
                self = .notification(method: method, params: params)
            }
        } else if let result = o["result"], let id {
            self = .result(id: id, result: result)
        } else if let err = o["error"]?.object {
            self = .error(
                id: id, code: err["code"]?.int ?? DriverWire.ErrorCode.internalError,
                message: err["message"]?.string ?? "unknown error", data: err["data"])
        } else {
            throw JSONParser.Error(message: "message has neither method, result nor error", offset: 0)
        }
    }

    public var json: JSONValue {
        var o = JSONObject()
        o["jsonrpc"] = "2.0"
        switch self {
        case .request(let id, let method, let params):
            o["id"] = .int(id); o["method"] = .string(method); o["params"] = params
        case .notification(let method, let params):
            o["method"] = .string(method); o["params"] = params
        case .result(let id, let result):
            o["id"] = .int(id); o["result"] = result
        case .error(let id, let code, let message, let data):
            o["id"] = id.map(JSONValue.int) ?? .null
            var e: JSONObject = ["code": .int(code), "message": .string(message)]
            if let data { e["data"] = data }
            o["error"] = .object(e)
        }
        return .object(o)
    }

    /// The line to write, newline included.
    public var line: [UInt8] {
        var out = JSONWriter.bytes(json)
        out.append(0x0A)
        return out
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
