import DriverProtocol

/// Everything runtime-specific about a runner-based driver (python, node): its capabilities, runner script
/// and how to start it. `RunnerDriver` does the rest.
public struct RunnerFlavor: Sendable {
    public var name: String
    public var version: String
    /// Capabilities when the runtime is present; `available`/`installHint` are filled in by `RunnerDriver`.
    public var capabilities: DriverCapabilities
    /// Host path of the interpreter; missing means `available:false`.
    public var interpreter: String
    public var installHint: String
    /// The runner script's text, written once under /var/lib/codebeaker/runners/<name>/ and bound read-only
    /// at `scriptSandboxPath`.
    public var script: String
    public var scriptFileName: String
    /// argv inside the sandbox; receives the script path, the session options and the memory limit.
    public var command: @Sendable (_ scriptPath: String, _ options: SessionOptions) -> [String]
    public var env: [String: String]

    public init(name: String, version: String, capabilities: DriverCapabilities, interpreter: String, installHint: String,
                script: String, scriptFileName: String, env: [String: String] = [:],
                command: @escaping @Sendable (_ scriptPath: String, _ options: SessionOptions) -> [String]) {
        self.name = name; self.version = version; self.capabilities = capabilities; self.interpreter = interpreter
        self.installHint = installHint; self.script = script; self.scriptFileName = scriptFileName
        self.env = env; self.command = command
    }

    public var scriptSandboxPath: String { "/opt/codebeaker/\(scriptFileName)" }
    public var scriptHostPath: String { "\(SandboxFiles.root)/runners/\(name)/\(scriptFileName)" }
}
