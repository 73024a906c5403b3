/// What `codebeaker` was asked to do, parsed from argv. Pure, so it is unit-tested without a process.
public enum CommandLineAction: Equatable, Sendable {
    case serve
    case printConfig
    case help
    case version
    case driverTest(arguments: [String])
    case driversList
    /// `codebeaker mcp`: an MCP server on stdio (docs/mcp.md).
    case mcp
    /// `codebeaker config check FILE`: validate a config file without starting (exit 0, or 2 naming the key).
    case configCheck
}

public struct CommandLineOptions: Sendable {
    public var action: CommandLineAction = .serve
    public var configFile: String?
    /// Flag overrides, applied after the file and the environment.
    public var host: String?
    public var port: Int?
    public var driversDirs: [String] = []
    public var noDefaultDrivers = false
    public var workspaceRoot: String?
    public var workspaceQuotaMB: Int?
    /// `--pool-size N`: pre-started sandboxes per native driver (0: no pool).
    public var poolSize: Int?
    public var logLevel: String?
    public var logFormat: String?
    public var insecure = false
    /// Repeatable; each value may be a comma-separated list. Replace the file's and environment's lists.
    public var allowedOrigins: [String] = []
    public var allowedHosts: [String] = []
    /// `--network-principals alice,bob`: who may create `network: true` sessions.
    public var networkPrincipals: [String]?
    public var memoryMerge: String?
    /// `mcp --server URL [--token T]`: bridge to a running server instead of an embedded host.
    public var server: String?
    public var token: String?
    /// `--host-id h2`, `--public-url wss://…`: several hosts behind a proxy (docs/scaling.md).
    public var hostId: String?
    public var publicUrl: String?

    /// `--help`: Resources/usage.txt, embedded at build time.
    public static let usage: String = {
        let text = String(decoding: PackageResources.usage_txt, as: UTF8.self)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }()

    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    public static func parse(_ args: [String]) throws(Error) -> CommandLineOptions {
        var o = CommandLineOptions()
        var i = 0
        func value(_ flag: String) throws(Error) -> String {
            i += 1
            guard i < args.count else { throw Error(description: "\(flag) needs a value") }
            return args[i]
        }
        if let first = args.first {
            if first == "driver-test" {
                o.action = .driverTest(arguments: Array(args.dropFirst()))
                return o
            }
            if first == "drivers" {
                guard args.count >= 2, args[1] == "list" else {
                    throw Error(description: "usage: codebeaker drivers list")
                }
                o.action = .driversList
                i = 2
            } else if first == "config" {
                guard args.count == 3, args[1] == "check" else {
                    throw Error(description: "usage: codebeaker config check FILE")
                }
                o.action = .configCheck
                o.configFile = args[2]
                return o
            } else if first == "serve" {
                i = 1
            } else if first == "mcp" {
                o.action = .mcp
                i = 1
            }
        }
        while i < args.count {
            let arg = args[i]
            // Accept --flag=value as well as --flag value.
            var flag = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            func v() throws(Error) -> String { if let inline { return inline }; return try value(flag) }
            switch flag {
            case "--host": o.host = try v()
            case "--port":
                let s = try v()
                guard let p = Int(s), (0...65535).contains(p) else {
                    throw Error(description: "--port must be 0-65535, got '\(s)'")
                }
                o.port = p
            case "--config": o.configFile = try v()
            case "--drivers-dir": o.driversDirs.append(try v())
            case "--no-default-drivers": o.noDefaultDrivers = true
            case "--workspace-root": o.workspaceRoot = try v()
            case "--workspace-quota-mb":
                let s = try v()
                guard let q = Int(s), q >= 0 else {
                    throw Error(description: "--workspace-quota-mb must be a number of MB, got '\(s)'")
                }
                o.workspaceQuotaMB = q
            case "--pool-size":
                let s = try v()
                guard let n = Int(s), (0...64).contains(n) else {
                    throw Error(description: "--pool-size must be 0-64, got '\(s)'")
                }
                o.poolSize = n
            case "--log-level": o.logLevel = try v()
            case "--log-format": o.logFormat = try v()
            case "--insecure": o.insecure = true
            case "--memory-merge": o.memoryMerge = try v()
            case "--host-id": o.hostId = try v()
            case "--public-url": o.publicUrl = try v()
            case "--allowed-origin": o.allowedOrigins.append(try v())
            case "--allowed-host": o.allowedHosts.append(try v())
            case "--network-principals": o.networkPrincipals = SecurityConfig.parsePrincipalList(try v())
            case "--server" where o.action == .mcp: o.server = try v()
            case "--token" where o.action == .mcp: o.token = try v()
            case "--print-config": if o.action == .serve { o.action = .printConfig }
            case "--version": o.action = .version
            case "-h", "--help": o.action = .help
            default: throw Error(description: "unknown option '\(arg)' (see --help)")
            }
            i += 1
        }
        return o
    }

    /// Applies the flag overrides to a config that already has the file and environment applied.
    public func apply(to config: inout ServerConfig) throws(ServerConfig.Error) {
        if let host { config.host = host }
        if let port { config.port = port }
        if !driversDirs.isEmpty { config.driversDirs = driversDirs }
        if noDefaultDrivers { config.defaultDriversDirs = false }
        if let workspaceRoot { config.workspaceRoot = workspaceRoot }
        if let workspaceQuotaMB { config.workspaceQuotaMB = workspaceQuotaMB }
        if let poolSize { config.sessionPool.size = poolSize }
        if let logLevel { try config.setLogLevel(logLevel) }
        if let logFormat { try config.setLogFormat(logFormat) }
        if insecure { config.insecure = true }
        if let memoryMerge { try config.setMemoryMerge(memoryMerge, "--memory-merge") }
        if !allowedOrigins.isEmpty {
            config.allowedOrigins = try ServerConfig.list(
                allowedOrigins.joined(separator: ","), "--allowed-origin", check: ServerConfig.originProblem)
        }
        if !allowedHosts.isEmpty {
            config.allowedHosts = try ServerConfig.list(
                allowedHosts.joined(separator: ","), "--allowed-host", check: ServerConfig.hostProblem)
        }
        if let networkPrincipals { config.security.networkPrincipals = networkPrincipals }
        if let hostId { config.hostId = try ServerConfig.checked(hostId, "--host-id", HostRoute.hostIdProblem) }
        if let publicUrl {
            config.publicUrl = try ServerConfig.checked(publicUrl, "--public-url", HostRoute.publicUrlProblem)
        }
    }
}
