public import DriverProtocol

/// JSON-RPC 2.0 dispatch: single requests, batches, notifications. Transport-agnostic and stateless,
/// so the same router is tested in-process and served over WebSocket.
public final class RPCRouter: Sendable {
    private let methods: [String: RPCMethod]
    /// Runs before every known method (rate limits); a thrown error becomes the reply.
    private let gate: (@Sendable (String, RPCContext) throws(RPCError) -> Void)?
    /// Called once per handled request with (method, error code or nil) for metrics.
    private let observe: (@Sendable (String, Int?) -> Void)?

    public init(
        methods: [String: RPCMethod],
        gate: (@Sendable (String, RPCContext) throws(RPCError) -> Void)? = nil,
        observe: (@Sendable (String, Int?) -> Void)? = nil
    ) {
        self.methods = methods
        self.gate = gate
        self.observe = observe
    }

    public var methodNames: [String] { methods.keys.sorted() }

    /// Handles one WebSocket text message. Returns the replies to send, one per JSON text, in order of
    /// the input messages. Like the original server, a frame holding several newline-separated JSON
    /// messages has each handled as its own message.
    public func handle(text: String, context: RPCContext) async -> [String] {
        if let value = try? JSONParser.parse(text) {
            return await handle(parsed: value, context: context).map { [JSONWriter.string($0)] } ?? []
        }
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        if lines.count <= 1 {
            return [JSONWriter.string(Self.errorResponse(id: .null, .parseError(Self.parseDetail(text))))]
        }
        return await withTaskGroup(of: (Int, JSONValue?).self) { group in
            for (i, line) in lines.enumerated() {
                group.addTask {
                    do {
                        let v = try JSONParser.parse(String(line))
                        return (i, await self.handle(parsed: v, context: context))
                    } catch {
                        return (i, Self.errorResponse(id: .null, .parseError("\(error)")))
                    }
                }
            }
            var out = [JSONValue?](repeating: nil, count: lines.count)
            for await (i, r) in group { out[i] = r }
            return out.compactMap { $0.map(JSONWriter.string) }
        }
    }

    /// A parsed message: a request object or a batch. Returns nil when nothing is to be sent back.
    public func handle(parsed: JSONValue, context: RPCContext) async -> JSONValue? {
        guard case .array(let items) = parsed else { return await handleOne(parsed, context: context) }
        if items.isEmpty { return Self.errorResponse(id: .null, .invalidRequest("empty batch")) }
        let replies = await withTaskGroup(of: (Int, JSONValue?).self) { group in
            for (i, item) in items.enumerated() {
                group.addTask { (i, await self.handleOne(item, context: context)) }
            }
            var out = [JSONValue?](repeating: nil, count: items.count)
            for await (i, r) in group { out[i] = r }
            return out.compactMap { $0 }
        }
        return replies.isEmpty ? nil : .array(replies)
    }

    private func handleOne(_ message: JSONValue, context: RPCContext) async -> JSONValue? {
        let request: Request
        switch Request.parse(message) {
        case .failure(let failure):
            return Self.errorResponse(id: failure.id, failure.error)
        case .success(let r):
            request = r
        }
        guard let method = methods[request.method] else {
            observe?("unknown", -32601)
            return request.id.map { Self.errorResponse(id: $0, .methodNotFound(request.method)) }
        }
        var ctx = context
        ctx.requestID = request.id
        do {
            try gate?(request.method, ctx)
            let result = try await method(request.params, ctx)
            observe?(request.method, nil)
            return request.id.map { Self.resultResponse(id: $0, result) }
        } catch let error as RPCError {
            observe?(request.method, error.code)
            return request.id.map { Self.errorResponse(id: $0, error) }
        } catch {
            // Never leak internal detail: unknown errors are -32603 with a generic message.
            observe?(request.method, -32603)
            return request.id.map { Self.errorResponse(id: $0, .internalError()) }
        }
    }

    static func resultResponse(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "result": result])
    }

    static func errorResponse(id: JSONValue, _ error: RPCError) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "error": error.json])
    }

    private static func parseDetail(_ text: String) -> String {
        do { _ = try JSONParser.parse(text); return "invalid JSON" } catch { return error.description }
    }
}

/// A validated request object.
struct Request {
    var id: JSONValue?
    var method: String
    var params: JSONValue

    struct Failure: Error { var id: JSONValue; var error: RPCError }

    static func parse(_ v: JSONValue) -> Result<Request, Failure> {
        guard case .object(let o) = v else {
            return .failure(Failure(id: .null, error: .invalidRequest("request must be an object, got \(v.typeName)")))
        }
        // The id is echoed when it is usable, even if the rest of the request is not.
        var id: JSONValue? = nil
        if let raw = o["id"] {
            switch raw {
            case .string, .int, .bigInt, .double, .null: id = raw
            default: return .failure(Failure(id: .null, error: .invalidRequest("id must be a string, number or null")))
            }
        }
        guard o["jsonrpc"] == .string("2.0") else {
            return .failure(Failure(id: id ?? .null, error: .invalidRequest("jsonrpc must be \"2.0\"")))
        }
        guard let method = o["method"]?.string else {
            return .failure(Failure(id: id ?? .null, error: .invalidRequest("method must be a string")))
        }
        let params = o["params"] ?? .null
        switch params {
        case .object, .array, .null: break
        default:
            return .failure(Failure(id: id ?? .null, error: .invalidParams("params", "must be an object or array")))
        }
        return .success(Request(id: id, method: method, params: params))
    }
}
