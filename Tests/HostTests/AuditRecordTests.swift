import DriverProtocol
import Foundation
import Testing

@testable import Host

@Suite struct AuditRecordTests {
    @Test func twelveEventTypes_WithTheSeedNames() {
        #expect(AuditEventType.allCases.count == 12)
        #expect(
            Set(AuditEventType.allCases.map(\.rawValue)) == [
                "CodeExecution", "FileRead", "FileWrite", "FileDelete", "DirectoryCreate", "ShellCommand",
                "PackageInstall", "SessionCreate", "SessionDestroy", "SecurityViolation", "RateLimitExceeded",
                "InputValidationFailure",
            ])
    }

    @Test func line_IsOneJSONObjectWithTheSixFields() throws {
        let r = AuditRecord(
            time: Date(timeIntervalSince1970: 1_795_312_984.567), principal: "alice", session: "s1", event: .fileWrite,
            outcome: .success, details: ["path": "a.txt"])
        let bytes = r.line(redactor: AuditRedactor(tokens: []))
        #expect(bytes.last == 0x0A)
        #expect(bytes.filter { $0 == 0x0A }.count == 1)
        let v = try JSONParser.parse(Array(bytes.dropLast()))
        #expect(v.object?.keys == ["time", "principal", "session", "event", "outcome", "details"])
        #expect(v["time"] == "2026-11-22T02:03:04.567Z")
        #expect(v["event"] == "FileWrite")
        #expect(v["outcome"] == "success")
        #expect(v["details"]?["path"] == "a.txt")
        let noSession = AuditRecord(
            time: Date(timeIntervalSince1970: 0), principal: "a", session: nil, event: .sessionCreate, outcome: .denied)
        #expect(
            try JSONParser.parse(Array(noSession.line(redactor: AuditRedactor(tokens: [])).dropLast()))["session"]
                == .null)
    }

    @Test func redactor_RemovesConfiguredTokensAndBearerCredentials() {
        let red = AuditRedactor(tokens: ["tok-alice-0123", "short"])
        let out = red.redact([
            "code": "print('tok-alice-0123')",
            "Authorization": "Bearer tok-alice-0123",
            "header": "authorization: BEARER xyz.abc-123",
            "url": "/ws/jsonrpc?token=abc123&x=1",
            "protocols": ["codebeaker.bearer.s3cr3t", "codebeaker.v1"],
            "nested": ["deeper": ["short and tok-alice-0123"]],
        ])
        let text = JSONWriter.string(out)
        for secret in ["tok-alice-0123", "xyz.abc-123", "abc123", "s3cr3t", "short"] {
            #expect(!text.contains(secret), "\(secret) leaked: \(text)")
        }
        #expect(text.contains("codebeaker.v1"))
        #expect(text.contains("x=1"))
        #expect(out["Authorization"] == "[REDACTED]")
    }

    @Test func redactor_LeavesOrdinaryTextAlone() {
        let red = AuditRedactor(tokens: ["tok-alice-0123"])
        #expect(red.redact("print('hello')") == "print('hello')")
    }

    @Test func utcTime_CivilDatesRoundTrip() {
        #expect(UTCTime.dayString(0) == "1970-01-01")
        #expect(UTCTime.dayString(20_779) == "2026-11-22")
        #expect(UTCTime.dayNumber(fromDayString: "2000-02-29") == 11_016)
        #expect(UTCTime.dayNumber(fromDayString: "2001-02-29") == nil)
        #expect(UTCTime.dayNumber(fromDayString: "2026-1-01") == nil)
        for d in stride(from: -700_000, to: 2_900_000, by: 997) {
            #expect(UTCTime.dayNumber(fromDayString: Substring(UTCTime.dayString(d))) == d)
        }
        #expect(UTCTime.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTime.iso8601(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(UTCTime.dayNumber(Date(timeIntervalSince1970: -1)) == -1)
    }
}
