import DriverProtocol

/// The manager's mutable state for one session (only touched inside the SessionManager actor).
struct SessionRecord {
    let id: String
    let principal: String
    let options: SessionOptions
    let selection: RuntimeSelector.Selection
    let driver: any DriverClient
    let workspace: Workspace
    let uid: UInt32
    let createdWall: Double
    var machine: SessionStateMachine
    /// What `session.open` returned; passed with every driver call and used to re-adopt after a restart.
    var handle: String?
    var containerId: String?
    /// Whether the session adopted a pre-started sandbox or started its own (shown in the create result).
    var sandboxStart: SandboxStart?
    /// Set when the driver crashed or lost the session; the next execution re-opens first.
    var needsReopen = false
    /// The driver process incarnation the session was last opened on (nil: unknown, re-open when asked).
    var openedGeneration: Int?
    /// The `session.open` in flight to re-adopt the session: concurrent re-opens wait for it instead of sending
    /// a second one (a driver that cannot re-adopt would build a second sandbox and leak one).
    var reopening: Task<String?, Never>?
    /// Executions holding a slot, and those waiting for one (FIFO).
    var activeExecutions = 0
    var waiters: [(token: Int, continuation: CheckedContinuation<Bool, Never>)] = []

    func snapshot(now: Double) -> SessionSnapshot {
        SessionSnapshot(
            id: id, principal: principal, language: selection.language, driverName: driver.name,
            runtimeType: selection.runtimeType, containerId: containerId, workspace: workspace.root,
            uid: uid, gid: uid, state: machine.state(now: now), createdAt: createdWall,
            lastActivity: createdWall + (machine.lastActivity - machine.createdAt),
            executionCount: machine.executionCount, idleSeconds: machine.idleSeconds(now: now),
            lifetimeSeconds: machine.lifetimeSeconds(now: now), options: options,
            sandboxStart: sandboxStart)
    }
}
