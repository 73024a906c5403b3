/// Whether sandboxed processes offer their memory to KSM (kernel same-page merging), so idle sessions that
/// hold identical pages share them. The host passes the mode to its drivers in `environmentVariable`; the
/// drivers apply it when they spawn a sandbox. Off by default: merged pages are a timing side channel
/// between tenants (docs/configuration.md, "Memory merging").
public enum MemoryMerge: String, Sendable, Equatable, CaseIterable {
    /// Nothing is marked mergeable.
    case off
    /// Sandboxes are marked mergeable (`PR_SET_MEMORY_MERGE`).
    case on
    /// Mergeable, and sandboxed processes start without address-space randomisation, so interpreters that
    /// start the same way lay out identical heap pages: this is what makes KSM pay off across sessions.
    case max

    public static let environmentVariable = "CODEBEAKER_MEMORY_MERGE"

    /// The mode named by `value` ("off", "on", "max"; also true/false and 1/0), nil for anything else.
    public init?(parsing value: String) {
        switch value.lowercased() {
        case "off", "false", "0", "": self = .off
        case "on", "true", "1": self = .on
        case "max": self = .max
        default: return nil
        }
    }

    /// The mode given in an environment (absent or unparseable: off, so a typo never turns merging on).
    public static func from(environment env: [String: String]) -> MemoryMerge {
        env[environmentVariable].flatMap { MemoryMerge(parsing: $0) } ?? .off
    }

    public var marksMergeable: Bool { self != .off }
    public var disablesASLR: Bool { self == .max }
}
