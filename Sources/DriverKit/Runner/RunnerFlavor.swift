public import DriverProtocol
import Glibc

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
    /// Files the runner script imports, written and bound next to it (e.g. the shared JS control reader).
    public var companionFiles: [RunnerFile] = []
    /// argv inside the sandbox; receives the interpreter path, the script path and the session options.
    public var command:
        @Sendable (_ interpreter: String, _ scriptPath: String, _ options: SessionOpenOptions) -> [String]
    public var env: [String: String]
    /// Without `stateful`, every job runs in a fresh process of its own (`RunnerLaunch.jobsInFreshProcesses`).
    public var freshProcessPerJob = false
    /// Compiles the runner script ahead of time (Python's .pyc): given the script's host path once it is
    /// written, the compiled file's host path, bound next to the script and started instead of it; nil runs
    /// the source. Called at every open, so it must be cheap once its file exists.
    public var compile: (@Sendable (_ scriptHostPath: String) -> String?)?
    /// The runtime's package manager (`install`, and shells like `pip install x`); nil: unsupported.
    public var installer: (any SessionInstaller)?

    public init(
        name: String, version: String, capabilities: DriverCapabilities, interpreter: String, installHint: String,
        script: String, scriptFileName: String, env: [String: String] = [:],
        command:
            @escaping @Sendable (_ interpreter: String, _ scriptPath: String, _ options: SessionOpenOptions) -> [String]
    ) {
        self.name = name; self.version = version; self.capabilities = capabilities; self.interpreter = interpreter
        self.installHint = installHint; self.script = script; self.scriptFileName = scriptFileName
        self.env = env; self.command = command
    }

    /// `CODEBEAKER_DRIVER_INTERPRETER` overrides the interpreter path (tests use it to simulate a missing runtime).
    public var effectiveInterpreter: String {
        getenv("CODEBEAKER_DRIVER_INTERPRETER").map { String(cString: $0) } ?? interpreter
    }

    public var scriptSandboxPath: String { "/opt/codebeaker/\(scriptFileName)" }
    public var scriptHostPath: String { files[0].hostPath }

    /// Every file of the runner (the script first) with its host and sandbox paths. The host directory is this
    /// version's own (see VersionedFiles): another build on the host never rewrites the files a runner loads.
    public var files: [(text: String, hostPath: String, sandboxPath: String)] {
        let all = [RunnerFile(name: scriptFileName, text: script)] + companionFiles
        let dir = "\(SandboxFiles.root)/runners/\(name)/v-\(VersionedFiles.version(of: all.map { ($0.name, $0.text) }))"
        return all.map { ($0.text, "\(dir)/\($0.name)", "/opt/codebeaker/\($0.name)") }
    }
}

/// A file of a runner program: its name in the runner's directory and its text.
public struct RunnerFile: Sendable {
    public var name: String
    public var text: String
    public init(name: String, text: String) { self.name = name; self.text = text }
}
