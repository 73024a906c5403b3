public import DriverProtocol
import Synchronization

extension SecurityLayer {
    /// Before creating a session: refuses if the principal already has `maxSessionsPerPrincipal` sessions.
    /// With `reserve`, it also holds a slot until `sessionCreated` binds it or `createFailed` gives it back
    /// (a forgotten reservation lapses after 5 minutes); without, concurrent creations may overshoot, which
    /// is fine when the caller has its own race-free cap (the session manager does).
    public func checkCreate(principal: String, reserve: Bool = false) throws(RPCError) {
        let now = clock()
        let limiting = rateLimitingEnabled
        let (rejection, first) = decide("p\(principal)") { s in
            let r = s.limiter.reserveSession(principal: principal, now: now, enforce: limiting)
            if r == nil && !reserve { s.limiter.releaseReservation(principal: principal) }
            // Principals are few (one per token), so this throttle key is bounded too.
            return r
        }
        if let rejection {
            throw rateLimited(
                rejection, principal: principal, session: nil, attempted: AuditEventType.sessionCreate.rawValue,
                audit: first)
        }
    }

    /// Gives back the slot reserved by `checkCreate` when the session could not be created.
    public func createFailed(principal: String) {
        state.withLock { $0.limiter.releaseReservation(principal: principal) }
    }

    /// Registers a new session and returns its effective policy: the server's, tightened by the client's
    /// `security` object. Audits SessionCreate and counts the session as active.
    @discardableResult
    public func sessionCreated(
        principal: String, session: String, security overrides: JSONValue? = nil, details: JSONObject = JSONObject()
    ) -> SecurityConfig {
        let effective = config.tightened(by: overrides)
        let now = clock()
        let isNew = state.withLock { s -> Bool in
            s.limiter.sessionOpened(session, principal: principal, now: now)
            if effective != config {
                s.policies[session] = SessionPolicyState(
                    config: effective, validator: InputValidator(config: effective))
            }
            return s.known.insert(session).inserted
        }
        if isNew { metrics.activeSessions.increment() }
        var d = details
        if effective != config, let o = overrides { d["security"] = o }
        audit?.record(.sessionCreate, principal: principal, session: session, outcome: .success, details: d)
        return effective
    }

    /// Forgets a session (idempotent): frees its slot, audits SessionDestroy with the reason.
    public func sessionClosed(principal: String, session: String, reason: String) {
        let wasKnown = state.withLock { s -> Bool in
            s.limiter.sessionClosed(session)
            s.policies[session] = nil
            s.rejecting.remove("s\(session)")
            return s.known.remove(session) != nil
        }
        guard wasKnown else { return }
        metrics.activeSessions.decrement()
        audit?.record(
            .sessionDestroy, principal: principal, session: session, outcome: .success,
            details: ["reason": .string(reason)])
    }

    /// The policy in force for a session (the server's for unknown or untightened sessions).
    public func effectiveConfig(session: String?) -> SecurityConfig {
        guard let session else { return config }
        return state.withLock { $0.policies[session]?.config } ?? config
    }

    func policy(_ session: String?) -> (SecurityConfig, InputValidator) {
        guard let session, let p = state.withLock({ $0.policies[session] }) else { return (config, validator) }
        return (p.config, p.validator)
    }
}
