/// How to start a runtime's persistent runner inside a session sandbox.
public struct RunnerLaunch: Sendable, Equatable {
    /// Runtime name for messages ("the python runner died ...").
    public var name: String
    /// argv inside the sandbox, e.g. ["/usr/bin/python3", "-I", "/opt/codebeaker/runner.py"].
    public var command: [String]
    /// Extra read-only binds (the runner script, runtime directories).
    public var readOnlyBinds: [SandboxConfig.Bind]
    /// Environment for the runner on top of the sandbox base environment.
    public var env: [String: String]
    /// How long a fresh runner may take to say it is ready.
    public var readyTimeoutMs: Int
    /// Every job runs in a process of its own that ends with it, and no job can reach the runner's own
    /// processes' descriptors (python's fork server without `stateful`): a job cannot leave descriptors
    /// open where the next job runs, so the per-job leaked-descriptor sweep is skipped.
    public var jobsInFreshProcesses = false

    public init(
        name: String, command: [String], readOnlyBinds: [SandboxConfig.Bind] = [], env: [String: String] = [:],
        readyTimeoutMs: Int = 20_000
    ) {
        self.name = name; self.command = command; self.readOnlyBinds = readOnlyBinds; self.env = env
        self.readyTimeoutMs = readyTimeoutMs
    }
}
