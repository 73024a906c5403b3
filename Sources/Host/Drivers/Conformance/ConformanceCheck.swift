/// One line of `codebeaker driver-test` output: a named check (a rule of docs/driver-protocol.md) and its outcome.
public struct ConformanceCheck: Sendable, Equatable, CustomStringConvertible {
    public enum Verdict: String, Sendable {
        case pass = "PASS"
        case fail = "FAIL"
        case skip = "SKIP"
    }

    public var name: String
    public var verdict: Verdict
    /// Why it failed or was skipped, or a short note on what passed.
    public var detail: String
    /// How long the check took (not part of equality).
    public var durationMs = 0

    public init(_ name: String, verdict: Verdict, _ detail: String = "") {
        self.name = name; self.verdict = verdict; self.detail = detail
    }

    public init(_ name: String, passed: Bool, _ detail: String = "") {
        self.init(name, verdict: passed ? .pass : .fail, detail)
    }

    public var passed: Bool { verdict == .pass }
    public var failed: Bool { verdict == .fail }

    public static func == (a: ConformanceCheck, b: ConformanceCheck) -> Bool {
        a.name == b.name && a.verdict == b.verdict && a.detail == b.detail
    }

    public static func pass(_ name: String, _ detail: String = "") -> ConformanceCheck {
        .init(name, verdict: .pass, detail)
    }
    public static func fail(_ name: String, _ detail: String) -> ConformanceCheck {
        .init(name, verdict: .fail, detail)
    }
    public static func skip(_ name: String, _ detail: String) -> ConformanceCheck {
        .init(name, verdict: .skip, detail)
    }

    /// `PASS name (detail) [ms]`, `SKIP name: why`, or `FAIL name: why (docs/driver-protocol.md#section)`.
    public var description: String {
        switch verdict {
        case .pass: return "PASS \(name)" + (detail.isEmpty ? "" : " (\(detail))") + " [\(durationMs) ms]"
        case .skip: return "SKIP \(name): \(detail)"
        case .fail: return "FAIL \(name): \(detail) (\(ConformanceRules.docLink(name)))"
        }
    }

    /// The last line of the report: `N passed, M failed, K skipped`.
    public static func summary(_ checks: [ConformanceCheck]) -> String {
        let count = { (v: Verdict) in checks.filter { $0.verdict == v }.count }
        return "\(count(.pass)) passed, \(count(.fail)) failed, \(count(.skip)) skipped"
    }
}
