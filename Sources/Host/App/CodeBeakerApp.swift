import CSystem
import Dispatch
public import DriverProtocol
import FoundationEssentials
import Glibc
import Synchronization
import Transport

/// Builds the server from the configuration and runs it until SIGTERM/SIGINT.
public enum CodeBeakerApp: Sendable {
    public static func main(arguments: [String]) async -> Int32 {
        if CLIApp.isCommand(arguments) { return await CLIApp.main(arguments: arguments) }
        let options: CommandLineOptions
        do { options = try CommandLineOptions.parse(arguments) } catch {
            StandardIO.err("codebeaker: \(error)\n")
            return 2
        }
        switch options.action {
        case .help: print(CommandLineOptions.usage); return 0
        case .version: print("\(CoreMethods.serverName) \(CoreMethods.serverVersion)"); return 0
        case .driverTest(let args): return await ConformanceKit.runCommand(arguments: args)
        default: break
        }
        if options.action == .configCheck { return checkConfig(options) }
        let config: ServerConfig
        do { config = try loadConfig(options) } catch {
            StandardIO.err("codebeaker: \(error)\n")
            return 2
        }
        Logger.configure(level: config.logLevel, format: config.logFormat)
        switch options.action {
        case .printConfig:
            print(JSONWriter.string(config.json))
            return 0
        case .driversList:
            return await listDrivers(config)
        case .mcp:
            return await MCPCommand.run(options, config: config)
        default:
            return await serve(config)
        }
    }

    /// `config check FILE`: the file's own problems (not the environment's), and whether the server would refuse
    /// to start with it (a public address without tokens).
    static func checkConfig(_ options: CommandLineOptions) -> Int32 {
        let path = options.configFile ?? ""
        do {
            let config = try loadConfig(options, environment: [:])
            if case .failure(let e) = Authenticator.bindingAllowed(
                host: config.host, tokensConfigured: !config.security.tokens.isEmpty, insecure: config.insecure)
            {
                StandardIO.err("codebeaker: config file \(path): \(e.message)\n")
                return 2
            }
        } catch {
            StandardIO.err("codebeaker: \(error)\n")
            return 2
        }
        print("\(path): ok")
        return 0
    }

    static func loadConfig(
        _ options: CommandLineOptions, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServerConfig {
        var config = ServerConfig()
        if let path = options.configFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ServerConfig.Error("cannot read config file \(path)")
            }
            do { try config.apply(json: try JSONParser.parse(Array(data))) } catch {
                throw ServerConfig.Error("config file \(path): \(error)")
            }
        }
        let env = environment
        try config.apply(environment: env)
        do { try config.security.applyEnvironment(env) } catch { throw ServerConfig.Error("\(error)") }
        try options.apply(to: &config)
        return config
    }
}

extension CodeBeakerApp {
    /// Runs the server until SIGTERM or SIGINT, then shuts down in order: stop accepting, close sockets
    /// with 1001, stop drivers.
    static func serve(_ serverConfig: ServerConfig) async -> Int32 {
        let log = Logger("server")
        if case .failure(let e) = Authenticator.bindingAllowed(
            host: serverConfig.host, tokensConfigured: !serverConfig.security.tokens.isEmpty,
            insecure: serverConfig.insecure)
        {
            log.error(e.message)
            return 2
        }
        let host: HostRuntime
        do { host = try await HostRuntime.start(serverConfig) } catch {
            log.error(error.description)
            return 2
        }
        let config = host.config, registry = host.registry, metrics = host.metrics
        // A request's result can only go to the connection that sent it: when that is gone, its executions
        // are cancelled rather than left holding the session (and the CPU) until their timeout.
        let handler = RPCConnectionHandler(
            router: host.router, security: host.security,
            onClose: { id in
                Task { await host.connectionClosed(id) }
            })
        var options = ServerOptions()
        options.host = config.host
        options.port = config.port
        options.webSocketPath = config.webSocketPath
        options.maxMessageBytes = config.maxMessageBytes
        options.headerTimeoutSeconds = config.headerTimeoutSeconds
        options.idlePingSeconds = config.idlePingSeconds
        options.maxSendBufferBytes = config.maxSendBufferBytes
        options.maxConnections = config.maxConnections
        options.allowedOrigins = config.allowedOrigins
        options.allowedHosts = config.allowedHosts
        for warning in config.crossSiteWarnings { log.warning("INSECURE: \(warning)") }
        let workspaceRoot = config.workspaceRoot, quotaBytes = Double((host.storage.quotaMB ?? 0) << 20)
        let routes = HealthRoutes(
            drivers: registry,
            metricsText: {
                DriverMetrics.update(metrics, from: registry)
                metrics.workspaceQuota.set(quotaBytes)
                if let free = WorkspaceRoot.freeBytes(workspaceRoot) { metrics.workspaceDiskFree.set(Double(free)) }
                return metrics.render()
            })
        let mcp = MCPHTTPRoute(host: host)
        let playground = PlaygroundRoutes(tokensRequired: !config.security.tokens.isEmpty)
        let server = HTTPServer(
            options: options, delegate: handler, routes: RouteChain([mcp, routes, playground]),
            logger: Logger("http"))
        let port: Int
        do { port = try server.start() } catch {
            log.error("cannot listen on \(config.host):\(config.port): \(error)")
            return 1
        }
        let url = "ws://\(config.host):\(port)\(config.webSocketPath)"
        log.info("listening on \(url)")
        StandardIO.out("listening on \(url)\n")
        let signal = await waitForTerminationSignal()
        log.info("received \(signal), shutting down")
        server.shutdown(timeoutSeconds: 3)
        await mcp.closeAll()
        await host.shutdown()
        log.info("stopped")
        return 0
    }

    /// Suspends until SIGTERM or SIGINT arrives; returns its name.
    static func waitForTerminationSignal() async -> String {
        await withCheckedContinuation { (cont: CheckedContinuation<String, Never>) in
            SignalWaiter.shared.arm { cont.resume(returning: $0) }
        }
    }
}

/// Owns the dispatch signal sources (they must stay alive) and resumes its waiter once.
private final class SignalWaiter: @unchecked Sendable {
    static let shared = SignalWaiter()
    private var sources: [any DispatchSourceSignal] = []
    private let fired = Mutex(false)

    func arm(_ onSignal: @escaping @Sendable (String) -> Void) {
        for (sig, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { [self] in
                if self.fired.withLock({
                    let first = !$0; $0 = true; return first
                }) {
                    onSignal(name)
                }
            }
            src.resume()
            sources.append(src)
        }
    }
}

/// A fixed list of drivers, for tests and for a server started without a registry.
public struct StaticDriverDirectory: DriverDirectory {
    public let clients: [any DriverClient]
    public init(clients: [any DriverClient]) { self.clients = clients }
    public func snapshot() -> JSONValue {
        .array(clients.map { .object(["name": .string($0.name), "ready": .bool($0.isReady)]) })
    }
}

extension DriverRegistry: DriverDirectory {}

extension CodeBeakerApp {
    /// `codebeaker drivers list`: starts each driver once, waits for it to settle, prints its state, where it
    /// came from and what it shadows, and every searched directory (a missing one says so).
    static func listDrivers(_ config: ServerConfig) async -> Int32 {
        let report = DriverDiscovery(directories: config.driversDirs, includeDefaults: config.defaultDriversDirs)
            .report()
        let registry = DriverRegistry(drivers: report.drivers)
        registry.start()
        _ = await registry.waitUntilSettled(timeout: 15)
        print(DriversListing.render(report, states: registry.snapshot().array ?? []))
        await registry.shutdownAll()
        return 0
    }
}
