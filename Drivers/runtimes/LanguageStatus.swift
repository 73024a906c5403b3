import DriverProtocol

/// One language as the driver offers it: its manifest (nil when broken) and what the version probe found.
struct LanguageStatus: Sendable, Equatable {
    var name: String
    var manifest: Manifest?
    /// The toolchain version (first line of the probe's output); part of the compile cache key.
    var version: String?
    /// nil: available.
    var unavailableReason: String?
    var installHint: String?

    var available: Bool { manifest != nil && unavailableReason == nil }

    var capability: DriverCapabilities.Language {
        DriverCapabilities.Language(
            name: name, aliases: manifest?.aliases ?? [], extensions: manifest?.extensions ?? [], version: version,
            available: available, unavailableReason: unavailableReason, installHint: available ? nil : installHint)
    }

    /// What to tell an operator: the manifest's hint, else `apt-get install <packages>`.
    static func hint(_ m: Manifest) -> String? {
        m.installHint ?? (m.packages.isEmpty ? nil : "apt-get install " + m.packages.joined(separator: " "))
    }

    /// A probe's verdict (pure): the first non-empty line of stdout+stderr when it succeeded.
    static func judge(probe argv: [String], _ r: RunResult) -> (version: String?, reason: String?) {
        let text = r.stdout + r.stderr
        let first = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }.first { !$0.isEmpty }
        if r.succeeded, let first { return (String(first.prefix(200)), nil) }
        var why = "version probe `\(argv.joined(separator: " "))` failed"
        if r.timedOut {
            why += ": timed out"
        } else if let code = r.exitCode {
            why += code == 0 ? ": printed nothing" : ": exit \(code)"
        } else if let reason = r.reason {
            why += ": \(reason)"
        }
        if !r.succeeded, let first { why += ": " + first.prefix(300) }
        return (nil, why)
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
