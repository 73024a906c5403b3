/// The last phase of a connection the server ends: everything is sent and the write side is shut
/// (FIN), but the peer may still be sending, typically the rest of a message refused with 1009. Closing
/// the socket with unread bytes makes the kernel answer with RST, and the peer's kernel then throws away
/// whatever the peer had not read yet: our close frame or error response. So, like nginx's lingering
/// close, the connection keeps reading and discarding until the peer's EOF, within three bounds: no
/// bytes for `idleSeconds`, `maxSeconds` in all, or `maxBytes` discarded. A pure value with an injected
/// clock (`now`), tested without sockets.
struct LingeringClose: Sendable, Equatable {
    struct Limits: Sendable, Equatable {
        var idleSeconds = 2.0
        var maxSeconds = 10.0
        var maxBytes = 64 << 20
    }

    enum Verdict: Sendable, Equatable {
        case keepReading
        case close(Reason)
    }

    enum Reason: String, Sendable, Equatable {
        /// The peer sent its EOF: closing now sends no RST.
        case peerFinished = "peer finished"
        case idle = "lingering idle"
        case tooLong = "lingering time limit"
        case tooManyBytes = "lingering byte limit"
    }

    let limits: Limits
    let started: Double
    private(set) var lastRead: Double
    private(set) var discarded = 0

    init(now: Double, limits: Limits) {
        self.limits = limits
        started = now
        lastRead = now
    }

    /// `count` bytes arrived and were discarded; 0 means the peer's EOF.
    mutating func read(_ count: Int, now: Double) -> Verdict {
        if count == 0 { return .close(.peerFinished) }
        discarded += count
        lastRead = now
        if discarded > limits.maxBytes { return .close(.tooManyBytes) }
        return tick(now: now)
    }

    /// The timers, checked on every loop tick.
    func tick(now: Double) -> Verdict {
        if now - started >= limits.maxSeconds { return .close(.tooLong) }
        if now - lastRead >= limits.idleSeconds { return .close(.idle) }
        return .keepReading
    }
}
