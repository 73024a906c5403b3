public import DriverProtocol
import Synchronization

/// A running server over `ws://` (`--server URL`): JSON-RPC calls over one WebSocket, any number at once.
/// Notifications go to the call whose id is their `requestId`. When the connection is lost every pending
/// call fails with `.transport("connection lost: …")`; later calls fail at once.
public final class WebSocketBackend: CancellableRPCBackend {
    private struct Pending {
        let continuation: CheckedContinuation<Result<JSONValue, RPCCallError>, Never>
        let onNotification: @Sendable (String, JSONValue) -> Void
    }
    private struct State {
        var pending: [String: Pending] = [:]
        var lost: String?
    }

    private let socket: WebSocketClientSocket
    private let state = Mutex(State())
    private let nextID = Atomic<Int>(1)

    private init(socket: WebSocketClientSocket) { self.socket = socket }

    /// Connects and does the handshake within `timeout` seconds. The token goes as the
    /// `codebeaker.bearer.<token>` subprotocol (beside `codebeaker.v1`), as the SDKs send it.
    public static func connect(url: String, token: String?, timeout: Double = 10) async throws(RPCCallError)
        -> WebSocketBackend
    {
        guard let parsed = WebSocketURL(url) else {
            throw .transport("bad server URL '\(url)': expected ws://HOST[:PORT][/PATH]")
        }
        if parsed.secure {
            throw .transport(
                "wss:// is not supported by the built-in client; use ws:// to the host itself (behind your TLS proxy, docs/proxy.md)"
            )
        }
        var protocols = ["codebeaker.v1"]
        if let token, !token.isEmpty { protocols.append("codebeaker.bearer.\(token)") }
        let socket: WebSocketClientSocket
        do {
            socket = try WebSocketClientSocket.open(parsed, protocols: protocols, headers: [], timeout: timeout)
        } catch {
            throw .transport(error.message)
        }
        let backend = WebSocketBackend(socket: socket)
        socket.start(
            onMessage: { [backend] in backend.received($0) },
            onClose: { [backend] in backend.lost($0) })
        return backend
    }

    public func makeRequestID() -> JSONValue { .int(nextID.add(1, ordering: .relaxed).oldValue) }

    public func call(
        _ method: String, params: JSONValue, id: JSONValue,
        onNotification: @escaping @Sendable (String, JSONValue) -> Void
    ) async throws(RPCCallError) -> JSONValue {
        let key = JSONWriter.string(id)
        let text = JSONWriter.string(
            .object(["jsonrpc": "2.0", "id": id, "method": .string(method), "params": params]))
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<JSONValue, RPCCallError>, Never>) in
            let lost: String? = state.withLock {
                if let lost = $0.lost { return lost }
                $0.pending[key] = Pending(continuation: c, onNotification: onNotification)
                return nil
            }
            if let lost { return c.resume(returning: .failure(.transport("connection lost: \(lost)"))) }
            do throws(WebSocketClientSocket.Failure) { try socket.sendText(text) } catch {
                // The reader sees the broken socket too; whichever comes first resumes the call.
                if let p = state.withLock({ $0.pending.removeValue(forKey: key) }) {
                    p.continuation.resume(returning: .failure(.transport("connection lost: \(error.message)")))
                }
            }
        }
        return try result.get()
    }

    public func close() async { socket.close() }

    /// One message from the server: a reply resumes its call; a notification goes to its call's callback.
    private func received(_ bytes: [UInt8]) {
        guard let message = try? JSONParser.parse(bytes), let object = message.object else { return }
        if let method = object["method"]?.string {
            let params = object["params"] ?? .null
            guard let requestID = params["requestId"] else { return }
            let target = state.withLock { $0.pending[JSONWriter.string(requestID)]?.onNotification }
            target?(method, params)
            return
        }
        guard let id = object["id"],
            let p = state.withLock({ $0.pending.removeValue(forKey: JSONWriter.string(id)) })
        else { return }
        do throws(RPCCallError) {
            p.continuation.resume(returning: .success(try RPCCallError.result(of: message)))
        } catch {
            p.continuation.resume(returning: .failure(error))
        }
    }

    private func lost(_ reason: String) {
        let pending = state.withLock {
            $0.lost = reason
            let all = $0.pending
            $0.pending = [:]
            return all
        }
        for p in pending.values { p.continuation.resume(returning: .failure(.transport("connection lost: \(reason)"))) }
    }
}
