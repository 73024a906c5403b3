import Synchronization

/// A driver's open sessions by host session id.
public final class SessionStore<Session: Sendable>: Sendable {
    private let sessions = Mutex<[String: Session]>([:])

    public init() {}

    public func put(_ id: String, _ s: Session) { sessions.withLock { $0[id] = s } }

    /// The session, or -32000 (gone, e.g. after a driver restart).
    public func get(_ id: String) throws(DriverError) -> Session {
        guard let s = sessions.withLock({ $0[id] }) else { throw .sessionNotFound(id) }
        return s
    }

    public func find(_ id: String) -> Session? { sessions.withLock { $0[id] } }

    @discardableResult
    public func remove(_ id: String) -> Session? { sessions.withLock { $0.removeValue(forKey: id) } }

    public func removeAll() -> [Session] {
        sessions.withLock { d in
            defer { d.removeAll() }; return Array(d.values)
        }
    }

    public var count: Int { sessions.withLock { $0.count } }
}
