import DriverProtocol

/// The seed's SecurityConfig. Owned by the security layer (issue 7); this is the shape others rely on.
public struct SecurityConfig: Sendable, Equatable {
    public var enableInputValidation = true
    public var maxCodeLength = 100_000
    public var maxOutputLength = 1_000_000
    public var enableRateLimiting = true
    public var executionsPerMinute = 60
    public var maxExecutionsPerSession = 1000
    public var enableSandbox = true
    public var sandboxRestrictFilesystem = true
    public var allowedFileExtensions: [String] = []
    public var enableAuditLogging = true
    public var auditLogRetentionDays = 90
    public var blockedCommandPatterns: [String] = ["rm -rf /", "sudo", "dd if=", ":(){ :|:& };:"]

    public init() {}
}

// Placeholder codec until the security layer lands its strict one.
extension SecurityConfig {
    public init(json: JSONValue) throws {
        self.init()
    }
    public var json: JSONValue { .object([:]) }
}
