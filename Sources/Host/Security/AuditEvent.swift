public import DriverProtocol
public import FoundationEssentials
import Glibc

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

    public init(
        time: Date, principal: String, session: String?, event: AuditEventType, outcome: AuditOutcome,
        details: JSONObject = JSONObject()
    ) {
        self.time = time; self.principal = principal; self.session = session
        self.event = event; self.outcome = outcome; self.details = details
    }

    /// The JSON line (with its newline), redacted, then bounded (`AuditCap`). Written straight into bytes: this runs on the caller's thread.
    public func line(redactor: AuditRedactor) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: #"{"time":""#.utf8)
        UTCTime.appendISO8601(time, to: &out)
        out.append(contentsOf: #"","principal":"#.utf8)
        JSONWriter.writeString(AuditCap.string(redactor.redact(principal), limit: AuditCap.maxKey), into: &out)
        out.append(contentsOf: #","session":"#.utf8)
        if let session {
            JSONWriter.writeString(AuditCap.string(redactor.redact(session), limit: AuditCap.maxKey), into: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: #","event":""#.utf8)
        out.append(contentsOf: event.rawValue.utf8)
        out.append(contentsOf: #"","outcome":""#.utf8)
        out.append(contentsOf: outcome.rawValue.utf8)
        out.append(contentsOf: #"","details":"#.utf8)
        JSONWriter.write(AuditCap.details(redactor.redact(.object(details))), into: &out)
        out.append(contentsOf: "}\n".utf8)
        return out
    }
}
