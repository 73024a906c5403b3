import DriverProtocol

/// The server's security policy: the seed's `SecurityConfig` with its defaults, plus connection limits,
/// authentication tokens and package-install rules. Loaded strictly from JSON (`init(json:)`), shown by
/// `--print-config` (`json`, tokens redacted). A session may tighten it (`tightened(by:)`), never loosen it.
public struct SecurityConfig: Sendable, Equatable {
    // Layer 1: input validation.
    public var enableInputValidation = true
    public var maxCodeLength = 100_000
    /// Output cap per stream, in bytes; beyond it output is dropped and flagged as truncated.
    public var maxOutputLength = 1_000_000
    // Layer 2: rate limiting.
    public var enableRateLimiting = true
    public var executionsPerMinute = 60
    public var maxExecutionsPerSession = 1000
    /// Token bucket per WebSocket connection: sustained requests per second and burst size.
    public var requestsPerSecond = 100.0
    public var requestBurst = 200
    public var maxSessionsPerPrincipal = 20
    /// Per principal, all sessions and `execution.run` together: executions (code, shell, install) and
    /// file commands in a sliding 60 s window.
    public var principalExecutionsPerMinute = 600
    public var principalFileCommandsPerMinute = 1200
    /// File commands queued or running at once (the session manager's `FileCommandGate`).
    public var maxConcurrentFileCommandsPerPrincipal = 4
    public var maxConcurrentFileCommandsPerSession = 2
    // Layer 3: sandbox.
    public var enableSandbox = true
    public var sandboxRestrictFilesystem = true
    /// Extensions (".py" or "py", any case) that file operations may touch. Empty means every extension.
    public var allowedFileExtensions: [String] = []
    // Layer 4: audit logging.
    public var enableAuditLogging = true
    public var auditLogRetentionDays = 90
    public var auditLogDirectory = "/var/log/codebeaker/audit"
    // Layer 5: pattern blocking (a courtesy; isolation is the defence).
    public var blockedCommandPatterns: [String] = ["rm -rf /", "sudo", "dd if=", ":(){ :|:& };:"]
    // Packages.
    /// Option flags a client may pass to pip/npm installs. Anything else starting with "-" is rejected.
    public var allowedPackageFlags: [String] = ["--upgrade", "-U", "--no-deps", "--pre", "--save-dev", "--save-exact"]
    /// Allows URL, VCS (`git+`) and `file:` package specs that point outside the workspace.
    public var allowPackageURLs = false
    // Network.
    /// Principals whose sessions may ask for `network: true` (`"*"`: every principal). Empty (the default):
    /// no session gets network; a request for it is refused with -32602 naming this key.
    public var networkPrincipals: [String] = []
    // Authentication.
    /// API tokens; none means anonymous access, which the server only allows on loopback.
    public var tokens: [AuthToken] = []

    public init() {}

    public struct AuthToken: Sendable, Equatable {
        public var token: String
        public var principal: String
        public init(token: String, principal: String) { self.token = token; self.principal = principal }
    }
}

/// A bad config value, naming the key: `executionsPerMinute: expected integer, got string`.
public struct SecurityConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var message: String
    public init(key: String, _ message: String) { self.key = key; self.message = message }
    public var description: String { "\(key): \(message)" }
}
