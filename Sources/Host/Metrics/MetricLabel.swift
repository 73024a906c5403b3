/// Label values that a client can influence are folded into small known sets before they reach a metric:
/// every distinct value is a series kept forever, and a client choosing values could otherwise grow
/// `/metrics` until scrapes fail.
public enum MetricLabel: Sendable {
    public static let other = "other"

    /// Canonical languages the host knows (and `shell` for execute_shell); anything else is `other`.
    static let knownLanguages: Set<String> = Set(RuntimeSelector.aliases.values).union(["shell"])

    public static func language(_ s: String) -> String {
        guard s.utf8.count <= 64 else { return other }
        let canon = RuntimeSelector.canonical(s)
        return knownLanguages.contains(canon) ? canon : other
    }

    /// A value from a trusted but open set (driver names, runtime types): kept when short and plain, else `other`.
    public static func plain(_ s: String) -> String {
        guard !s.isEmpty, s.utf8.count <= 64 else { return other }
        let ok = s.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
                || b == 0x2E
        }
        return ok ? s : other
    }
}
