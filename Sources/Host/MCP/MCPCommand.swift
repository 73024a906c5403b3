import DriverProtocol
import FoundationEssentials
import Glibc
import Synchronization

/// `codebeaker mcp`: an MCP server on stdio in front of an embedded host (or, with `--server`, a running one).
enum MCPCommand {
    static func run(_ options: CommandLineOptions, config loaded: ServerConfig) async -> Int32 {
        if let url = options.server {
            let token = options.token ?? ProcessInfo.processInfo.environment["CODEBEAKER_TOKEN"]
            return await runRemote(url: url, token: token, config: loaded)
        }
        var config = loaded
        let env = ProcessInfo.processInfo.environment
        // A private workspace root: the default one belongs to (and is locked by) a server that may be running.
        let privateRoot = options.workspaceRoot == nil ? makePrivateRoot(env) : nil
        if let privateRoot { config.workspaceRoot = privateRoot }
        // An agent's server starts often and idles: no pre-started sandboxes or volumes unless asked for.
        if options.poolSize == nil, env["CODEBEAKER_POOL_SIZE"] == nil { config.sessionPool.size = 0 }
        config.workspaceVolumePool = min(config.workspaceVolumePool, 1)
        let host: HostRuntime
        do { host = try await HostRuntime.start(config) } catch {
            log.error(error.description)
            if let privateRoot { removeTree(privateRoot) }
            return 2
        }
        // Tools answer "no runtime for python" while drivers still start: wait for them (bounded) first.
        _ = await host.registry.waitUntilSettled(timeout: 15)
        let server = MCPServer(backend: InProcessBackend(host: host, principal: "local"))
        let reason = await serveStdio(server, maxLineBytes: config.maxMessageBytes)
        log.info("\(reason), shutting down")
        await server.close()
        await host.shutdown()
        if let privateRoot { removeTree(privateRoot) }
        return 0
    }

    static let log = Logger("mcp")

    /// `--server URL [--token T]`: the same MCP server in front of a running CodeBeaker.
    static func runRemote(url: String, token: String?, config: ServerConfig) async -> Int32 {
        let backend: any RPCBackend
        do { backend = try await remoteBackend(url: url, token: token) } catch {
            StandardIO.err("codebeaker mcp: \(error)\n")
            return 2
        }
        let server = MCPServer(backend: backend)
        let reason = await serveStdio(server, maxLineBytes: config.maxMessageBytes)
        log.info("\(reason), shutting down")
        await server.close()
        return 0
    }

    /// A running server over its WebSocket (`WebSocketBackend`, ws:// only).
    static func remoteBackend(url: String, token: String?) async throws(RPCCallError) -> any RPCBackend {
        try await WebSocketBackend.connect(url: url, token: token)
    }

    /// Serves stdin/stdout until end of input or SIGTERM/SIGINT; returns which.
    static func serveStdio(_ server: MCPServer, maxLineBytes: Int) async -> String {
        let stdio = MCPStdio(server: server, maxLineBytes: maxLineBytes)
        return await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            let once = Mutex(false)
            let finish: @Sendable (String) -> Void = { why in
                if once.withLock({
                    let first = !$0; $0 = true; return first
                }) {
                    done.resume(returning: why)
                }
            }
            stdio.start { finish("end of input") }
            Task { finish(await CodeBeakerApp.waitForTerminationSignal()) }
        }
    }

    /// `$XDG_RUNTIME_DIR/codebeaker-mcp-<pid>` when that directory exists, else `/tmp/codebeaker-mcp-<pid>`.
    static func makePrivateRoot(_ env: [String: String]) -> String {
        var base = "/tmp"
        if let runtime = env["XDG_RUNTIME_DIR"], !runtime.isEmpty, access(runtime, W_OK) == 0 { base = runtime }
        let path = "\(base)/codebeaker-mcp-\(getpid())"
        removeTree(path)  // a stale one from a pid that was reused
        // 0711: sandbox uids must traverse it to reach their own workspace.
        mkdir(path, 0o711)
        chmod(path, 0o711)
        return path
    }

    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
