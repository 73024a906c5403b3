public import DriverProtocol
import Synchronization

/// One MCP session's protocol logic, transport-free: `initialize`, `ping`, `tools/list`, `tools/call`,
/// `notifications/cancelled` and progress. stdio and Streamable HTTP feed it messages and write what it sends.
public final class MCPServer: Sendable {
    public let tools: MCPToolCalls
    private let state = Mutex(State())

    private struct State {
        var version: String?
        var inFlight: [JSONValue: Task<JSONValue?, Never>] = [:]
        var closed = false
    }

    public init(backend: any RPCBackend) { tools = MCPToolCalls(backend: backend) }

    /// The protocol version agreed at `initialize` (nil before).
    public var protocolVersion: String? { state.withLock { $0.version } }

    /// Handles one message. `send` receives progress notifications while a tool runs, then the reply; a
    /// notification, a response or a cancelled request gets no reply.
    public func receive(_ text: String, send: @escaping @Sendable (JSONValue) -> Void) async {
        await receive(MCPMessage.classify(text), send: send)
    }

    public func receive(_ kind: MCPMessage.Kind, send: @escaping @Sendable (JSONValue) -> Void) async {
        switch kind {
        case .invalid(let reply): send(reply)
        case .response: break
        case .notification(let method, let params): notified(method, params)
        case .request(let id, let method, let params):
            // Registered before it starts, so `close` and a cancel always find it.
            let started = state.withLock { s -> Result<Task<JSONValue?, Never>, MCPRefusal> in
                if s.closed { return .failure(MCPRefusal("the MCP session has ended")) }
                if s.inFlight[id] != nil { return .failure(MCPRefusal("id \(id) is already in use")) }
                let task = Task { await self.answer(id: id, method: method, params: params, send: send) }
                s.inFlight[id] = task
                return .success(task)
            }
            let task: Task<JSONValue?, Never>
            switch started {
            case .success(let t): task = t
            case .failure(let refusal):
                send(
                    MCPMessage.error(
                        id: id, code: MCPMessage.Code.invalidRequest, "Invalid Request: \(refusal.message)"))
                return
            }
            let reply = await task.value
            state.withLock { _ = $0.inFlight.removeValue(forKey: id) }
            // A cancelled request is not answered (MCP cancellation).
            if let reply, !task.isCancelled { send(reply) }
        }
    }

    private func notified(_ method: String, _ params: JSONObject) {
        guard method == "notifications/cancelled", let id = params["requestId"] else { return }
        // A late cancel (the request already answered) or one for an unknown id is ignored.
        state.withLock { $0.inFlight[id] }?.cancel()
    }

    /// Cancels what is still running and ends the backend connection (its executions are cancelled too).
    public func close() async {
        let tasks = state.withLock { s -> [Task<JSONValue?, Never>] in
            s.closed = true
            return Array(s.inFlight.values)
        }
        for task in tasks { task.cancel() }
        await tools.backend.close()
    }

    private func answer(
        id: JSONValue, method: String, params: JSONObject, send: @escaping @Sendable (JSONValue) -> Void
    )
        async -> JSONValue?
    {
        switch method {
        case "initialize":
            let version = MCPMessage.negotiate(params["protocolVersion"]?.string)
            state.withLock { $0.version = version }
            return MCPMessage.result(id: id, Self.initializeResult(version: version))
        case "ping":
            return MCPMessage.result(id: id, .object([:]))
        case "tools/list":
            return MCPMessage.result(id: id, .object(["tools": .array(MCPTools.list)]))
        case "tools/call":
            guard let name = params["name"]?.string else {
                return MCPMessage.error(
                    id: id, code: MCPMessage.Code.invalidParams, "Invalid params: name (a string) is required")
            }
            guard MCPTools.names.contains(name) else {
                return MCPMessage.error(id: id, code: MCPMessage.Code.invalidParams, "Unknown tool: \(name)")
            }
            guard let arguments = (params["arguments"] ?? .object([:])).object else {
                return MCPMessage.error(
                    id: id, code: MCPMessage.Code.invalidParams, "Invalid params: arguments must be an object")
            }
            let progress = params["_meta"]?["progressToken"].map { Self.progressSender(token: $0, send: send) }
            let result = await tools.call(name, arguments: arguments, progress: progress)
            return MCPMessage.result(id: id, result.json)
        default:
            return MCPMessage.error(id: id, code: MCPMessage.Code.methodNotFound, "Method not found: \(method)")
        }
    }

    /// `notifications/progress` with an increasing counter and the chunk as its message.
    static func progressSender(token: JSONValue, send: @escaping @Sendable (JSONValue) -> Void)
        -> @Sendable (String) -> Void
    {
        let counter = Atomic<Int>(0)
        return { message in
            let n = counter.add(1, ordering: .relaxed).newValue
            send(
                MCPMessage.notification(
                    "notifications/progress",
                    .object(["progressToken": token, "progress": .int(n), "message": .string(message)])))
        }
    }

    static func initializeResult(version: String) -> JSONValue {
        .object([
            "protocolVersion": .string(version),
            "capabilities": .object(["tools": .object(["listChanged": false])]),
            "serverInfo": .object([
                "name": .string(CoreMethods.serverName), "title": "CodeBeaker",
                "version": .string(CoreMethods.serverVersion),
            ]),
            "instructions": .string(
                "Runs code in sandboxes. run_code without session_id runs a program once; for several steps that share files or variables, create_session, pass its session_id, and close_session at the end."
            ),
        ])
    }
}

struct MCPRefusal: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
