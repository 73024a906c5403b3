import DriverProtocol
import LinuxSystem

/// The session JSON-RPC methods (docs/api.md). Register `methods` with the router.
///
/// Streaming: `session.execute` and `execution.run` with `"stream": true` send each output chunk as a
/// `session.output` notification `{requestId, sessionId, stream, data, seq}` (and install progress as
/// `session.progress` `{requestId, sessionId, message}`), all before the final response.
public struct SessionAPI: Sendable {
    public let manager: SessionManager

    public init(manager: SessionManager) { self.manager = manager }

    public var methods: [String: RPCMethod] {
        let m = manager
        return [
            "session.create": { params, ctx in try await Self.create(m, params, ctx) },
            "session.execute": { params, ctx in try await Self.execute(m, params, ctx) },
            "session.list": { _, ctx in await Self.list(m, ctx) },
            "session.close": { params, ctx in try await Self.close(m, params, ctx) },
            "session.cancel": { params, ctx in try await Self.cancel(m, params, ctx) },
            "execution.cancel": { params, ctx in try await Self.cancel(m, params, ctx) },
            "execution.run": { params, ctx in try await Self.run(m, params, ctx) },
            "execution.status": { params, ctx in try await Self.status(m, params, ctx) },
        ]
    }

    static func create(_ m: SessionManager, _ params: JSONValue, _ ctx: RPCContext) async throws(RPCError) -> JSONValue
    {
        let created = try await m.create(params: params, principal: ctx.principal).createJSON
        let route = m.config.route.createFields
        guard !route.isEmpty, case .object(var o) = created else { return created }
        for (key, value) in route { o[key] = .string(value) }
        return .object(o)
    }

    static func execute(_ m: SessionManager, _ params: JSONValue, _ ctx: RPCContext) async throws(RPCError) -> JSONValue
    {
        let f = try top(params)
        let id = try f.id("sessionId")
        let command = try SessionCommand(json: params["command"])
        let stream = try f.optBool("stream") ?? false
        do throws(RPCError) {
            let outcome = try await m.execute(
                sessionId: id, command: command, caller: CallerContext(ctx), stream: stream,
                onEvent: stream ? sink(ctx, sessionId: id) : nil)
            return outcome.json
        } catch { throw m.config.route.explain(error, sessionId: id) }
    }

    static func list(_ m: SessionManager, _ ctx: RPCContext) async -> JSONValue {
        let sessions = await m.list(principal: ctx.principal)
        return ["count": .int(sessions.count), "sessions": .array(sessions.map(\.listJSON))]
    }

    static func close(_ m: SessionManager, _ params: JSONValue, _ ctx: RPCContext) async throws(RPCError) -> JSONValue {
        let id = try top(params).id("sessionId")
        do throws(RPCError) { try await m.close(sessionId: id, principal: ctx.principal) } catch {
            throw m.config.route.explain(error, sessionId: id)
        }
        return ["sessionId": .string(id), "closed": true]
    }

    static func cancel(_ m: SessionManager, _ params: JSONValue, _ ctx: RPCContext) async throws(RPCError) -> JSONValue
    {
        let f = try top(params)
        let sessionId = try f.optString("sessionId")
        let executionId = try f.optString("executionId")
        if let s = sessionId { try InputLimits.id(s, field: "sessionId") }
        if let x = executionId { try InputLimits.id(x, field: "executionId") }
        let requestID = f.value("requestId")
        guard requestID != nil || executionId != nil else {
            throw RPCError.invalidParams("requestId", "is required (or executionId)")
        }
        let cancelled = await m.cancel(
            requestID: requestID, executionId: executionId, sessionId: sessionId, caller: CallerContext(ctx))
        return ["cancelled": .bool(cancelled)]
    }

    /// Stateless: create a session, run the code, close the session (even on failure).
    static func run(_ m: SessionManager, _ params: JSONValue, _ ctx: RPCContext) async throws(RPCError) -> JSONValue {
        let f = try top(params)
        let code = SessionCommand.Code(
            code: try f.string("code"), timeout: try f.timeout(), stdin: try f.optString("stdin"),
            env: try f.env(), language: nil)
        let stream = try f.optBool("stream") ?? false
        try m.precheckRun(principal: ctx.principal)
        var createParams = params
        if case .object(var o) = params { o["env"] = nil; createParams = .object(o) }  // env belongs to the run
        let session = try await m.create(params: createParams, principal: ctx.principal)
        let outcome: CommandOutcome
        do throws(RPCError) {
            outcome = try await m.execute(
                sessionId: session.id, command: .executeCode(code), caller: CallerContext(ctx),
                stream: stream, onEvent: stream ? sink(ctx, sessionId: session.id) : nil)
        } catch {
            _ = try? await m.close(sessionId: session.id, principal: nil, reason: "execution.run finished")
            throw error
        }
        // The client has its result: tearing the sandbox down is not its wait.
        _ = try? await m.close(sessionId: session.id, principal: nil, reason: "execution.run finished", detached: true)
        var result = runJSON(outcome, language: session.language, finishedAt: nil).object!
        if let start = session.sandboxStart { result["sandboxStart"] = .string(start.rawValue) }
        return .object(result)
    }

    static func status(_ m: SessionManager, _ params: JSONValue, _ ctx: RPCContext) async throws(RPCError) -> JSONValue
    {
        let id = try top(params).id("executionId")
        if let run = await m.finishedRun(executionId: id, principal: ctx.principal) {
            var o = runJSON(run.outcome, language: nil, finishedAt: run.finishedAt).object!
            o["sessionId"] = .string(run.sessionId)
            return .object(o)
        }
        if await m.isRunning(executionId: id, principal: ctx.principal) {
            return ["executionId": .string(id), "status": "running"]
        }
        throw RPCError(code: -32001, message: "Execution not found: \(id)", data: ["executionId": .string(id)])
    }

    /// `execution.run` / `execution.status` result: the run result's fields at top level plus
    /// `executionId`, `status` (completed/failed), `success` and `error`.
    static func runJSON(_ outcome: CommandOutcome, language: String?, finishedAt: Double?) -> JSONValue {
        var o: JSONObject = [
            "executionId": JSONValue(outcome.executionId), "status": .string(outcome.success ? "completed" : "failed"),
            "success": .bool(outcome.success),
        ]
        if let language { o["language"] = .string(language) }
        if let r = outcome.result.object { for (k, v) in r { o[k] = v } }
        o["durationMs"] = .int(outcome.result["durationMs"]?.int ?? outcome.durationMs)
        o["error"] = JSONValue(outcome.error)
        if let finishedAt { o["finishedAt"] = .string(Timestamp.iso8601(seconds: Int(finishedAt))) }
        return .object(o)
    }

    /// Forwards driver events as client notifications tagged with the client's request id.
    static func sink(_ ctx: RPCContext, sessionId: String) -> SessionEventSink {
        let requestID = ctx.requestID ?? .null
        let notify = ctx.notify
        return { method, params in
            switch DriverEvent(method: method, params: params) {
            case .output(let e)?:
                notify(
                    "session.output",
                    [
                        "requestId": requestID, "sessionId": .string(sessionId),
                        "stream": .string(e.stream), "data": .string(e.data), "seq": JSONValue(e.seq),
                    ])
            case .progress(let e)?:
                notify(
                    "session.progress",
                    [
                        "requestId": requestID, "sessionId": .string(sessionId),
                        "message": .string(e.message),
                    ])
            case nil:
                break
            }
        }
    }

    static func top(_ params: JSONValue) throws(RPCError) -> Fields {
        guard params == .null || params.object != nil else {
            throw RPCError.invalidParams("params", "must be an object")
        }
        return Fields(params, prefix: "")
    }
}
