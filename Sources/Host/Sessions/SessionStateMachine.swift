/// A session's lifecycle as a pure value type: every method takes `now` (monotonic seconds), nothing sleeps.
///
/// Creating → Active ⇄ Idle → Closing → Closed. A session is Active while a command runs or for
/// `activeWindow` seconds after the last one, then Idle. It expires after `idleTimeout` seconds without
/// activity (never while a command runs) or `maxLifetime` seconds after creation (even mid-command).
public struct SessionStateMachine: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        case creating = "Creating"
        case active = "Active"
        case idle = "Idle"
        case closing = "Closing"
        case closed = "Closed"
    }

    public enum Expiry: String, Sendable, Equatable {
        case idleTimeout = "idle timeout"
        case maxLifetime = "max lifetime"
    }

    public let createdAt: Double
    public private(set) var lastActivity: Double
    public private(set) var running = 0
    public private(set) var executionCount = 0
    public let idleTimeout: Double
    public let maxLifetime: Double
    public let activeWindow: Double
    private var phase: Phase = .creating

    private enum Phase: Equatable { case creating, open, closing, closed }

    public init(now: Double, idleTimeout: Double, maxLifetime: Double, activeWindow: Double = 60) {
        createdAt = now; lastActivity = now
        self.idleTimeout = idleTimeout; self.maxLifetime = maxLifetime; self.activeWindow = activeWindow
    }

    /// The driver opened the sandbox: the session is usable.
    public mutating func opened(now: Double) {
        guard phase == .creating else { return }
        phase = .open
        lastActivity = now
    }

    /// A command starts. Returns false (and changes nothing) unless the session is open and unexpired.
    public mutating func commandStarted(now: Double) -> Bool {
        guard phase == .open, expiry(now: now) == nil else { return false }
        running += 1
        executionCount += 1
        lastActivity = now
        return true
    }

    public mutating func commandFinished(now: Double) {
        guard running > 0 else { return }
        running -= 1
        lastActivity = max(lastActivity, now)
    }

    /// Starts closing. Returns true only for the call that made the transition (closing is idempotent).
    public mutating func beginClose() -> Bool {
        guard phase == .creating || phase == .open else { return false }
        phase = .closing
        return true
    }

    public mutating func finishClose() { phase = .closed }

    /// A close has begun (or ended): nothing may open the session on its driver again.
    public var isClosing: Bool { phase == .closing || phase == .closed }
    /// `session.create` has not finished opening it on its driver yet.
    public var isCreating: Bool { phase == .creating }

    public func state(now: Double) -> State {
        switch phase {
        case .creating: return .creating
        case .closing: return .closing
        case .closed: return .closed
        case .open: return running > 0 || now - lastActivity < activeWindow ? .active : .idle
        }
    }

    /// Why the session should be reaped now, if it should.
    public func expiry(now: Double) -> Expiry? {
        guard phase == .open || phase == .creating else { return nil }
        if now - createdAt >= maxLifetime { return .maxLifetime }
        if running == 0 && now - lastActivity >= idleTimeout { return .idleTimeout }
        return nil
    }

    public func idleSeconds(now: Double) -> Double { running > 0 ? 0 : max(0, now - lastActivity) }
    public func lifetimeSeconds(now: Double) -> Double { max(0, now - createdAt) }
}
