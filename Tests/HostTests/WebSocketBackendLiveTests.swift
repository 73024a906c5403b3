import DriverProtocol
import Synchronization
import Testing

@testable import Host
@testable import Transport

/// WebSocketBackend against the real HTTP server and JSON-RPC handler on a loopback port.
@Suite(.serialized) struct WebSocketBackendLiveTests {
    /// `slow {tag, ms, chunks}`: sends `chunks` notifications tagged with the request id, sleeps, echoes params.
    static func start() throws -> (HTTPServer, String) {
        let router = RPCRouter(methods: [
            "slow": { params, ctx in
                for i in 0..<(params["chunks"]?.int ?? 0) {
                    ctx.notify(
                        "session.output",
                        ["requestId": ctx.requestID ?? .null, "data": params["tag"] ?? .null, "seq": .int(i)])
                }
                try await Task.sleep(for: .milliseconds(params["ms"]?.int ?? 0))
                return params
            }
        ])
        var options = ServerOptions()
        options.port = 0
        let server = HTTPServer(
            options: options, delegate: RPCConnectionHandler(router: router), routes: TestRoutes(),
            logger: Logger("test", sink: ProcessInfoSink.sink))
        let port = try server.start()
        return (server, "ws://127.0.0.1:\(port)/ws/jsonrpc")
    }

    @Test func concurrentCalls_GetTheirOwnResultsAndNotifications() async throws {
        let (server, url) = try Self.start()
        defer { server.shutdown(timeoutSeconds: 1) }
        let backend = try await WebSocketBackend.connect(url: url, token: nil, timeout: 5)
        let mismatches = CallCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    let seen = CallCounter()
                    let params: JSONValue = ["tag": .string("t\(i)"), "ms": .int((20 - i) * 5), "chunks": 3]
                    let result = try await backend.call("slow", params: params) { _, note in
                        seen.add()
                        if note["data"] != .string("t\(i)") { mismatches.add() }
                    }
                    #expect(result == params)
                    #expect(seen.value == 3)
                }
            }
            try await group.waitForAll()
        }
        #expect(mismatches.value == 0)
        await backend.close()
    }

    @Test func serverGoingAway_FailsPendingCalls_ThenEveryLaterCall() async throws {
        let (server, url) = try Self.start()
        let backend = try await WebSocketBackend.connect(url: url, token: nil, timeout: 5)
        let started = Atomic<Bool>(false)
        let pending = Task { () async -> Result<JSONValue, RPCCallError> in
            do throws(RPCCallError) {
                return .success(
                    try await backend.call("slow", params: ["ms": 60_000, "chunks": 1]) { _, _ in
                        started.store(true, ordering: .sequentiallyConsistent)
                    })
            } catch { return .failure(error) }
        }
        // The server has the call (its first notification arrived): it is pending when the server goes.
        #expect(await eventually(30) { started.load(ordering: .sequentiallyConsistent) })
        server.shutdown(timeoutSeconds: 1)
        guard case .failure(.transport(let reason)) = await pending.value else {
            Issue.record("the pending call did not fail with a transport error"); return
        }
        #expect(reason.hasPrefix("connection lost: "))
        await #expect(throws: RPCCallError.self) { try await backend.call("slow", params: [:]) }
    }
}

final class CallCounter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
