/// How a session's sandbox started: adopted from the pool of pre-started sandboxes, or built for it.
public enum SandboxStart: String, Sendable, Equatable {
    case pooled, cold
}

/// One pre-started sandbox: a session opened on its driver (workspace, uid, cgroup, runner ready) that no
/// client has used. Its id becomes the session id of whoever adopts it.
struct PooledSandbox: Sendable {
    let id: String
    let uid: UInt32
    let workspace: Workspace
    let driver: any DriverClient
    /// The driver language it was opened with.
    let language: String
    let handle: String?
    let containerId: String?
}

extension SessionOptions {
    /// Whether a sandbox opened with the server's default options serves a session with these options: the
    /// same limits, no network, no image, no permissions, no env, not stateful. Idle timeout, lifetime and
    /// runtime preference are the host's alone, so they may differ.
    func servedByPool(_ config: SessionManagerConfig) -> Bool {
        memoryLimitMB == config.defaultMemoryLimitMB && cpuShares == config.defaultCpuShares
            && diskLimitMB == config.workspaceQuotaMB && dockerImage == nil && permissions == nil && security == nil
            && !network && !stateful && env.isEmpty
    }
}
