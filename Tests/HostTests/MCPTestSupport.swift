import DriverProtocol
import Synchronization

@testable import Host

/// An `RPCBackend` that answers from a table and records calls; `hold` methods wait until cancelled.
final class FakeBackend: RPCBackend {
    let calls = Mutex<[(String, JSONValue)]>([])
    let answers: @Sendable (String, JSONValue) throws(RPCCallError) -> JSONValue
    let notifications: [(String, JSONValue)]
    let hold: Set<String>
    let closed = Atomic<Bool>(false)

    init(
        notifications: [(String, JSONValue)] = [], hold: Set<String> = [],
        answers: @escaping @Sendable (String, JSONValue) throws(RPCCallError) -> JSONValue
    ) {
        self.answers = answers; self.notifications = notifications; self.hold = hold
    }

    func call(_ method: String, params: JSONValue, onNotification: @escaping @Sendable (String, JSONValue) -> Void)
        async throws(RPCCallError) -> JSONValue
    {
        calls.withLock { $0.append((method, params)) }
        if hold.contains(method) {
            while !Task.isCancelled { await Task.yield() }
            return ["success": false, "error": "cancelled", "result": ["cancelled": true]]
        }
        for (m, p) in notifications { onNotification(m, p) }
        return try answers(method, params)
    }

    func close() async { closed.store(true, ordering: .relaxed) }
}

/// Collects what the server sends.
final class Outbox: Sendable {
    let messages = Mutex<[JSONValue]>([])
    func send(_ m: JSONValue) { messages.withLock { $0.append(m) } }
    var all: [JSONValue] { messages.withLock { $0 } }
}

extension MCPServer {
    /// Sends one message and returns everything the server sent for it.
    func exchange(_ text: String) async -> [JSONValue] {
        let box = Outbox()
        await receive(text) { box.send($0) }
        return box.all
    }
}

func runResult(stdout: String, exitCode: Int = 0, truncated: Bool = false) -> JSONValue {
    [
        "exitCode": .int(exitCode), "stdout": .string(stdout), "stderr": "", "durationMs": 3, "signal": nil,
        "timedOut": false, "cancelled": false, "truncated": .bool(truncated), "stdoutTruncated": .bool(truncated),
        "stderrTruncated": false,
    ]
}

/// A backend that picks no ids itself (like a WebSocket): an execution ends only when `session.cancel`
/// names its request id, as a remote server would do it.
final class FakeRemoteBackend: CancellableRPCBackend {
    let cancelled = Mutex<[JSONValue]>([])
    let started = Mutex<[JSONValue]>([])
    private let next = Atomic<Int>(100)

    func makeRequestID() -> JSONValue { .int(next.add(1, ordering: .relaxed).newValue) }

    func call(_ method: String, params: JSONValue, onNotification: @escaping @Sendable (String, JSONValue) -> Void)
        async throws(RPCCallError) -> JSONValue
    {
        try await call(method, params: params, id: makeRequestID(), onNotification: onNotification)
    }

    func call(
        _ method: String, params: JSONValue, id: JSONValue,
        onNotification: @escaping @Sendable (String, JSONValue) -> Void
    ) async throws(RPCCallError) -> JSONValue {
        if method == "session.cancel" {
            cancelled.withLock { $0.append(params) }
            return ["cancelled": true]
        }
        started.withLock { $0.append(id) }
        // Ignores Task cancellation, as a reply from a remote server would.
        while !cancelled.withLock({ $0.contains { $0["requestId"] == id } }) { await Task.yield() }
        return ["success": false, "error": "cancelled", "result": ["cancelled": true]]
    }

    func close() async {}
}
