import DriverProtocol
import Synchronization
import Transport

extension MCPHTTPRoute {
    func post(_ request: HTTPRouteRequest, principal: String, sessionID: String?) async -> HTTPResponseBody {
        let kind = MCPMessage.classify(String(decoding: request.body, as: UTF8.self))
        if case .invalid(let reply) = kind { return .json(400, reply) }
        if case .request(_, "initialize", _) = kind {
            let server = MCPServer(backend: makeBackend(principal))
            guard let id = await sessions.open(server, principal: principal) else {
                await server.close()
                return Self.rpcError(503, MCPMessage.Code.internalError, "too many MCP sessions are open; try later")
            }
            let replies = await collect(kind, server)
            return HTTPResponseBody(
                status: 200, body: JSONWriter.bytes(replies.last ?? .null), headers: [("Mcp-Session-Id", id)])
        }
        guard let sessionID else {
            return Self.rpcError(
                400, MCPMessage.Code.invalidRequest, "Mcp-Session-Id header required (send initialize first)")
        }
        guard let server = await sessions.server(sessionID, principal: principal) else {
            return Self.rpcError(
                404, MCPMessage.Code.invalidRequest, "unknown or expired MCP session; initialize again")
        }
        guard case .request(_, _, let params) = kind else {
            await server.receive(kind) { _ in }
            return HTTPResponseBody(status: 202, body: [])
        }
        let acceptsStream = request.header("accept")?.contains("text/event-stream") ?? false
        guard acceptsStream, params["_meta"]?["progressToken"] != nil else {
            let replies = await collect(kind, server)
            // Progress without an event stream has nowhere to go; the reply is the last message.
            guard let reply = replies.last(where: { $0["id"] != nil }) else {
                return HTTPResponseBody(status: 202, body: [])
            }
            return .json(200, reply)
        }
        let (stream, out) = AsyncStream<[UInt8]>.makeStream()
        Task {
            await server.receive(kind) { message in out.yield(Self.event(message)) }
            out.finish()
        }
        return .streaming(contentType: "text/event-stream", stream)
    }

    /// Everything the server sends for one message (a reply comes last).
    func collect(_ kind: MCPMessage.Kind, _ server: MCPServer) async -> [JSONValue] {
        let box = Mutex<[JSONValue]>([])
        await server.receive(kind) { message in box.withLock { $0.append(message) } }
        return box.withLock { $0 }
    }

    /// One Server-Sent Event carrying one JSON-RPC message (JSON has no raw newline, so one data line).
    static func event(_ message: JSONValue) -> [UInt8] {
        Array("event: message\ndata: ".utf8) + JSONWriter.bytes(message) + Array("\n\n".utf8)
    }
}
