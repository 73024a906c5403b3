/// Deadlines of one HTTP connection as a pure value: a request head must finish within `headerTimeout`
/// of its first byte (or of the accept), the body within `bodyTimeout` of the head, and a keep-alive
/// connection may sit idle for `idleTimeout`. While the application handles a request nothing expires.
public struct HTTPConnectionTimer: Sendable, Equatable {
    public enum Expiry: Sendable, Equatable {
        /// Idle keep-alive: close quietly.
        case idle
        /// Slow head or body (slowloris): answer 408 and close.
        case slowRequest
    }

    private enum Phase: Sendable, Equatable {
        case idle(since: Double)
        case head(deadline: Double)
        case body(deadline: Double)
        case handling
    }

    public var headerTimeout: Double
    public var bodyTimeout: Double
    public var idleTimeout: Double
    private var phase: Phase

    public init(now: Double, headerTimeout: Double, bodyTimeout: Double, idleTimeout: Double) {
        self.headerTimeout = headerTimeout; self.bodyTimeout = bodyTimeout; self.idleTimeout = idleTimeout
        phase = .head(deadline: now + headerTimeout)  // a new connection must send its head promptly
    }

    public mutating func bytesArrived(now: Double) {
        if case .idle = phase { phase = .head(deadline: now + headerTimeout) }
    }

    public mutating func headComplete(now: Double) {
        if case .head = phase { phase = .body(deadline: now + bodyTimeout) }
    }

    public mutating func requestComplete() { phase = .handling }

    public mutating func responseSent(now: Double) { phase = .idle(since: now) }

    public func expired(now: Double) -> Expiry? {
        switch phase {
        case .idle(let since): return now - since >= idleTimeout ? .idle : nil
        case .head(let deadline), .body(let deadline): return now >= deadline ? .slowRequest : nil
        case .handling: return nil
        }
    }
}
