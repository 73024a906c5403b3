import Foundation
import DriverProtocol

/// The 12 audit event types of the seed.
public enum AuditEventType: String, Sendable, CaseIterable {
    case codeExecution = "CodeExecution"
    case fileRead = "FileRead"
    case fileWrite = "FileWrite"
    case fileDelete = "FileDelete"
    case directoryCreate = "DirectoryCreate"
    case shellCommand = "ShellCommand"
    case packageInstall = "PackageInstall"
    case sessionCreate = "SessionCreate"
    case sessionDestroy = "SessionDestroy"
    case securityViolation = "SecurityViolation"
    case rateLimitExceeded = "RateLimitExceeded"
    case inputValidationFailure = "InputValidationFailure"
}

public enum AuditOutcome: String, Sendable {
    /// The operation ran and succeeded.
    case success
    /// The operation ran and failed (non-zero exit, timeout, driver error).
    case failure
    /// The security layer refused it before it ran.
    case denied
}

/// One audit line: `{"time","principal","session","event","outcome","details"}`.
public struct AuditRecord: Sendable, Equatable {
    public var time: Date
    public var principal: String
    public var session: String?
    public var event: AuditEventType
    public var outcome: AuditOutcome
    public var details: JSONObject

    public init(time: Date, principal: String, session: String?, event: AuditEventType, outcome: AuditOutcome, details: JSONObject = JSONObject()) {
        self.time = time; self.principal = principal; self.session = session
        self.event = event; self.outcome = outcome; self.details = details
    }

    /// The JSON line (with its newline), redacted.
    public func line(redactor: AuditRedactor) -> [UInt8] {
        var o = JSONObject()
        o["time"] = .string(UTCTime.iso8601(time))
        o["principal"] = .string(redactor.redact(principal))
        o["session"] = session.map { .string(redactor.redact($0)) } ?? .null
        o["event"] = .string(event.rawValue)
        o["outcome"] = .string(outcome.rawValue)
        o["details"] = redactor.redact(.object(details))
        var out = JSONWriter.bytes(.object(o))
        out.append(0x0A)
        return out
    }
}
