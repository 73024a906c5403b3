/// One line of `codebeaker driver-test` output: a named check of the driver protocol and its outcome.
public struct ConformanceCheck: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var passed: Bool
    /// Why it failed, or a short note on what passed.
    public var detail: String
    /// How long the check took (not part of equality).
    public var durationMs = 0

    public init(_ name: String, passed: Bool, _ detail: String = "") {
        self.name = name; self.passed = passed; self.detail = detail
    }

    public static func == (a: ConformanceCheck, b: ConformanceCheck) -> Bool {
        a.name == b.name && a.passed == b.passed && a.detail == b.detail
    }

    public static func pass(_ name: String, _ detail: String = "") -> ConformanceCheck {
        .init(name, passed: true, detail)
    }
    public static func fail(_ name: String, _ detail: String) -> ConformanceCheck { .init(name, passed: false, detail) }

    /// `PASS name (detail)` or `FAIL name: why`.
    public var description: String {
        if passed { return "PASS \(name)" + (detail.isEmpty ? "" : " (\(detail))") + " [\(durationMs) ms]" }
        return "FAIL \(name): \(detail)"
    }
}
