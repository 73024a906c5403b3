public import DriverProtocol

/// The text of `codebeaker drivers list`: one row per driver (name, state, path) with where it came from and what
/// it shadows, then every searched directory, so a missing or mistyped one is visible. Pure, for unit tests.
public enum DriversListing: Sendable {
    /// `states` are the registry's snapshots (name, state, reason, installHint), matched to drivers by name.
    public static func render(_ report: DriverDiscovery.Report, states: [JSONValue]) -> String {
        var lines: [String] = []
        let byName = Dictionary(states.compactMap { s in s["name"]?.string.map { ($0, s) } }) { a, _ in a }
        if report.drivers.isEmpty {
            lines.append("no drivers found")
        } else {
            lines.append("\("DRIVER".padded(to: 10)) \("STATE".padded(to: 12)) PATH")
        }
        let origins = Dictionary(report.directories.map { ($0.entry.path, $0.entry.origin) }) { a, _ in a }
        for d in report.drivers {
            let s = byName[d.name]
            lines.append(
                "\(d.name.padded(to: 10)) \((s?["state"]?.string ?? "?").padded(to: 12)) \(d.path)")
            let indent = String(repeating: " ", count: 11)
            lines.append(indent + "from: \(d.directory) (\(origins[d.directory]?.rawValue ?? "?"))")
            for hidden in d.shadows { lines.append(indent + "shadows: \(hidden)") }
            if let reason = s?["reason"]?.string { lines.append(indent + "reason: \(reason)") }
            if let hint = s?["installHint"]?.string { lines.append(indent + "install: \(hint)") }
        }
        lines.append("")
        lines.append("searched, in order (the first driver of a name wins):")
        for dir in report.directories {
            let what = dir.problem.map { "WARNING: \($0)" } ?? "\(dir.drivers) driver\(dir.drivers == 1 ? "" : "s")"
            lines.append("  \(dir.entry.path.padded(to: 36)) \(dir.entry.origin.rawValue.padded(to: 28)) \(what)")
        }
        if !report.includesDefaults {
            lines.append("  (default directories not searched: --no-default-drivers)")
        }
        return lines.joined(separator: "\n")
    }
}
