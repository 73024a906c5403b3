import DriverProtocol

/// One execution request for a driver: each is answered with a run result (`RunReply`).
enum DriverRunRequest: Sendable, Equatable {
    case execute(ExecuteParams)
    case shell(ShellParams)
    case install(InstallParams)

    /// Sends it and waits for the reply; events go to `onEvent` in order, before this returns.
    func send(to driver: any DriverClient, onEvent: SessionEventSink?) async throws(DriverCallError) -> RunReply {
        switch self {
        case .execute(let p): return try await driver.call(p, onEvent: onEvent)
        case .shell(let p): return try await driver.call(p, onEvent: onEvent)
        case .install(let p): return try await driver.call(p, onEvent: onEvent)
        }
    }
}
