extension SessionManager {
    /// Re-adopts a driver's sessions after each of its restarts (the supervisor calls back once the new
    /// process is ready), so sessions continue with their workspaces.
    public nonisolated func followRestarts(of registry: DriverRegistry) {
        for supervisor in registry.supervisors {
            let name = supervisor.name
            supervisor.onRestart { [weak self] in await self?.driverRestarted(name) }
        }
    }
}
