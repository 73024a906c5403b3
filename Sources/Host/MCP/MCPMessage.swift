public import DriverProtocol

/// JSON-RPC 2.0 as MCP uses it: the protocol versions we speak, error codes, and reply builders.
public enum MCPMessage: Sendable {
    /// Newest first. `initialize` answers with the client's version when it is here, else the newest.
    public static let supportedVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    public static func negotiate(_ requested: String?) -> String {
        if let requested, supportedVersions.contains(requested) { return requested }
        return supportedVersions[0]
    }

    public enum Code: Sendable {
        public static let parseError = -32700
        public static let invalidRequest = -32600
        public static let methodNotFound = -32601
        public static let invalidParams = -32602
        public static let internalError = -32603
    }

    public static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "result": result])
    }

    public static func error(id: JSONValue, code: Int, _ message: String) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "error": .object(["code": .int(code), "message": .string(message)])])
    }

    public static func notification(_ method: String, _ params: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }

    /// What one incoming text is.
    public enum Kind: Equatable, Sendable {
        case request(id: JSONValue, method: String, params: JSONObject)
        case notification(method: String, params: JSONObject)
        /// A response to a request we sent (we send none): ignored.
        case response
        /// Answer with this error (id null when it could not be read).
        case invalid(JSONValue)
    }

    /// Classifies one message. Pure: the malformed-input rules are unit-tested here.
    public static func classify(_ text: String) -> Kind {
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch {
            return .invalid(self.error(id: .null, code: Code.parseError, "Parse error: \(error)"))
        }
        if value.array != nil {
            return .invalid(
                self.error(id: .null, code: Code.invalidRequest, "Invalid Request: batches are not supported"))
        }
        guard let object = value.object else {
            return .invalid(self.error(id: .null, code: Code.invalidRequest, "Invalid Request: not a JSON object"))
        }
        let id = object["id"]
        let validID = id.map { $0.string != nil || $0.int != nil } ?? false
        guard object["jsonrpc"]?.string == "2.0" else {
            return .invalid(
                self.error(
                    id: validID ? id! : .null, code: Code.invalidRequest, "Invalid Request: jsonrpc must be \"2.0\""))
        }
        guard let method = object["method"] else {
            if object["result"] != nil || object["error"] != nil { return .response }
            return .invalid(
                self.error(id: validID ? id! : .null, code: Code.invalidRequest, "Invalid Request: no method"))
        }
        guard let name = method.string else {
            return .invalid(
                self.error(
                    id: validID ? id! : .null, code: Code.invalidRequest, "Invalid Request: method must be a string"))
        }
        let params = object["params"] ?? .object([:])
        guard let paramsObject = params.object else {
            return .invalid(
                self.error(
                    id: validID ? id! : .null, code: Code.invalidParams, "Invalid params: params must be an object"))
        }
        guard let id else { return .notification(method: name, params: paramsObject) }
        guard validID else {
            return .invalid(
                self.error(id: .null, code: Code.invalidRequest, "Invalid Request: id must be a string or integer"))
        }
        return .request(id: id, method: name, params: paramsObject)
    }
}
