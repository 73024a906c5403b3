/// Work other threads hand to the event loop.
enum LoopJob: Sendable {
    /// An encoded WebSocket frame from `WebSocketConnection.send`.
    case send(id: UInt64, frame: [UInt8])
    case close(id: UInt64, code: UInt16, reason: String)
    /// The connection's send buffer overflowed: drop it.
    case overflow(id: UInt64)
    /// A route handler's response, serialised.
    case httpResponse(id: UInt64, bytes: [UInt8], keepAlive: Bool)
    /// Part of a streamed response (its head, a chunk); `httpResponse` sends the end.
    case httpPart(id: UInt64, bytes: [UInt8])
    case shutdown(deadline: Double)
}
