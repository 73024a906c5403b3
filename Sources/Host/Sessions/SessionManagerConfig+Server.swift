extension SessionManagerConfig {
    /// Takes the session-related settings from the server config; the rest keep their defaults.
    public init(server: ServerConfig) {
        self.init()
        workspaceRoot = server.workspaceRoot
        defaultTimeoutSeconds = Double(server.defaultTimeoutSeconds)
        maxTimeoutSeconds = Double(server.maxTimeoutSeconds)
        maxOutputBytes = server.maxOutputBytes
        let limits = server.sessionLimits
        defaultCpuShares = limits.cpuShares
        cpuQuotaPercent = limits.cpuQuotaPercent
        allSessionsMemoryMB = limits.effectiveAllSessionsMemoryMB()
        memoryOvercommit = limits.memoryOvercommit
        idleCpuSeconds = limits.idleCpuSeconds
        maxSessions = server.maxSessions
        pool = server.sessionPool
        route = HostRoute(hostId: server.hostId, publicUrl: server.publicUrl)
        maxConcurrentFileCommandsPerSession = server.security.maxConcurrentFileCommandsPerSession
        maxConcurrentFileCommandsPerPrincipal = server.security.maxConcurrentFileCommandsPerPrincipal
    }
}
