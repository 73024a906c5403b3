import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem

/// The host `codebeaker run` and `repl` start in-process when no `--server` is given. It never touches a
/// running server's workspace root (that one is locked, WorkspaceRoot.lock): its workspaces go to a private
/// temporary directory removed at exit, unless `--workspace-root` names one. No pool, no volumes (a fast
/// start), logs errors to stderr (`--log-level` for more).
struct EmbeddedHost {
    let host: HostRuntime
    let backend: InProcessBackend
    private let temporaryRoot: String?

    struct Failure: Error { let message: String }

    static func start(_ o: CLIOptions) async throws(Failure) -> EmbeddedHost {
        var flags = CommandLineOptions()
        flags.configFile = o.configFile
        flags.driversDirs = o.driversDirs
        flags.noDefaultDrivers = o.noDefaultDrivers
        flags.poolSize = 0
        // Warnings from drivers stopped in the middle of their start (the runtimes driver probes toolchains
        // for seconds) would follow every short run: the embedded host logs errors only unless asked.
        flags.logLevel = o.logLevel ?? "error"
        // A command line does not wait 2 s for a driver that is still starting: the grace is short here.
        setenv("CODEBEAKER_DRIVER_SHUTDOWN_GRACE", "0.3", 0)
        flags.workspaceQuotaMB = 0
        var temporaryRoot: String?
        if let root = o.workspaceRoot {
            flags.workspaceRoot = root
        } else {
            var template = Array("/tmp/codebeaker-run-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else {
                throw Failure(message: "cannot create a temporary workspace root: \(String(cString: strerror(errno)))")
            }
            let path = String(cString: made)
            chmod(path, 0o711)  // sandboxes run as their own uids and must reach their workspace
            temporaryRoot = path
            flags.workspaceRoot = path
        }
        do {
            let config = try CodeBeakerApp.loadConfig(flags)
            Logger.configure(level: config.logLevel, format: config.logFormat)
            let host = try await HostRuntime.start(config)
            return EmbeddedHost(host: host, backend: InProcessBackend(host: host), temporaryRoot: temporaryRoot)
        } catch {
            if let temporaryRoot { try? FileManager.default.removeItem(atPath: temporaryRoot) }
            throw Failure(message: "\(error)")
        }
    }

    /// Waits until a ready driver runs `language` (a name, alias or, with `byExtension`, a file extension
    /// such as ".py"); returns the language's name. Fails once every driver settled without one.
    func waitForLanguage(_ language: String, byExtension: Bool, timeout: Double = 60) async throws(Failure) -> String {
        let registry = host.registry
        let deadline = DriverClock.now() + timeout
        while true {
            let table = registry.languageTable()
            let name = byExtension ? LanguageTable.language(forExtension: language, in: table) : language
            if let name, registry.client(forLanguage: name) != nil { return name }
            let settled = registry.clients.allSatisfy { ($0 as? DriverSupervisor)?.isSettled ?? true }
            if settled || DriverClock.now() > deadline {
                throw Failure(message: LanguageTable.missing(language, byExtension: byExtension, in: table))
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    func shutdown() async {
        await backend.close()
        await host.shutdown()
        if let temporaryRoot { try? FileManager.default.removeItem(atPath: temporaryRoot) }
    }
}
