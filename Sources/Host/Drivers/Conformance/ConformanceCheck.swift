/// One line of `codebeaker driver-test` output: a named check of the driver protocol and its outcome.
public struct ConformanceCheck: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var passed: Bool
    /// Why it failed, or a short note on what passed.
    public var detail: String

    public init(_ name: String, passed: Bool, _ detail: String = "") {
        self.name = name; self.passed = passed; self.detail = detail
    }

    public static func pass(_ name: String, _ detail: String = "") -> ConformanceCheck { .init(name, passed: true, detail) }
    public static func fail(_ name: String, _ detail: String) -> ConformanceCheck { .init(name, passed: false, detail) }

    /// `PASS name (detail)` or `FAIL name: why`.
    public var description: String {
        if passed { return "PASS \(name)" + (detail.isEmpty ? "" : " (\(detail))") }
        return "FAIL \(name): \(detail)"
    }
}
