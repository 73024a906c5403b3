public import DriverProtocol

/// Maps a requested language (and optional runtimeType / runtimePreference) to one driver, from the
/// drivers' declared capabilities. Pure: the manager passes a snapshot of its drivers.
public enum RuntimeSelector: Sendable {
    public struct Candidate: Sendable {
        public var name: String
        public var capabilities: DriverCapabilities?
        public var isReady: Bool
        public init(name: String, capabilities: DriverCapabilities?, isReady: Bool) {
            self.name = name; self.capabilities = capabilities; self.isReady = isReady
        }
    }

    public struct Selection: Sendable, Equatable {
        /// Index into the candidates passed in.
        public var index: Int
        public var driverName: String
        /// The canonical language the client asked for (`python`, `javascript`, `deno`, ...).
        public var language: String
        /// The driver's own language name to send it (`typescript` for a `deno` session).
        public var driverLanguage: String
        public var runtimeType: String
    }

    /// Canonical names and their aliases (the original's). `deno` and `bun` mean "JS/TS on that runtime".
    static let aliases: [String: String] = [
        "python": "python", "python3": "python", "py": "python",
        "javascript": "javascript", "nodejs": "javascript", "node": "javascript", "js": "javascript",
        "typescript": "typescript", "ts": "typescript",
        "deno": "deno", "bun": "bun",
        "go": "go", "golang": "go",
        "csharp": "csharp", "dotnet": "csharp", "c#": "csharp", "cs": "csharp",
    ]

    public static func canonical(_ language: String) -> String {
        let l = language.lowercased()
        return aliases[l] ?? l
    }

    /// Runtime names compare case-insensitively and without punctuation or spaces, so the seeds'
    /// `Node.js` is the driver's `NodeJs`; `node` is also accepted for it.
    public static func normalizedRuntimeType(_ name: String) -> String {
        let n = String(name.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
        return n == "node" ? "nodejs" : n
    }

    /// - Parameter reason: why the runtime type was imposed (named in the error when none is available).
    public static func select(
        language: String, runtimeType: String? = nil, preference: RuntimePreference? = nil,
        candidates: [Candidate], reason: String? = nil
    ) throws(RPCError) -> Selection {
        let canon = canonical(language)
        let runtimeLanguage = canon == "deno" || canon == "bun"
        var matching: [(Int, String)] = []  // candidate index, driver language to send
        var languageDown: [Int: String] = [:]  // candidate index -> why its entry for the language is unavailable
        for (i, c) in candidates.enumerated() {
            guard let caps = c.capabilities else { continue }
            if let runtimeType, normalizedRuntimeType(caps.runtimeType) != normalizedRuntimeType(runtimeType) {
                continue
            }
            if runtimeLanguage {
                guard caps.runtimeType.lowercased() == canon else { continue }
                let names = caps.languages.map { canonical($0.name) }
                matching.append(
                    (
                        i,
                        names.contains("typescript")
                            ? "typescript"
                            : names.contains("javascript") ? "javascript" : caps.languages.first?.name ?? canon
                    ))
            } else if let lang = caps.languages.first(where: { l in
                canonical(l.name) == canon || l.aliases.contains { canonical($0) == canon }
            }) {
                matching.append((i, lang.name))
                if !lang.available {
                    languageDown[i] =
                        (lang.unavailableReason ?? "unavailable") + (lang.installHint.map { " (\($0))" } ?? "")
                }
            }
        }
        let usable = matching.filter {
            candidates[$0.0].isReady && candidates[$0.0].capabilities?.available == true && languageDown[$0.0] == nil
        }
        guard !usable.isEmpty else {
            throw noRuntime(
                language: language, runtimeType: runtimeType, matching: matching.map(\.0), candidates: candidates,
                reason: reason, languageDown: languageDown)
        }
        let pref = preference ?? .balanced
        var best = usable[0]
        var bestScore = -Double.infinity
        for m in usable {
            let caps = candidates[m.0].capabilities!
            let s = pref.score(startupMs: caps.startupMs, memoryMB: caps.memoryMB, isolationLevel: caps.isolationLevel)
            if s > bestScore { best = m; bestScore = s }  // strict: ties keep the earlier driver
        }
        let c = candidates[best.0]
        return Selection(
            index: best.0, driverName: c.name, language: canon, driverLanguage: best.1,
            runtimeType: c.capabilities!.runtimeType)
    }

    /// Languages the ready drivers can run right now, canonical and sorted (deno/bun included as names).
    public static func installedLanguages(_ candidates: [Candidate]) -> [String] {
        var set = Set<String>()
        for c in candidates where c.isReady {
            guard let caps = c.capabilities, caps.available else { continue }
            for l in caps.languages where l.available { set.insert(canonical(l.name)) }
            let rt = caps.runtimeType.lowercased()
            if rt == "deno" || rt == "bun" { set.insert(rt) }
        }
        return set.sorted()
    }

    static func noRuntime(
        language: String, runtimeType: String?, matching: [Int], candidates: [Candidate], reason: String? = nil,
        languageDown: [Int: String] = [:]
    ) -> RPCError {
        let installed = installedLanguages(candidates)
        var message = "No runtime available for language '\(language)'"
        if let runtimeType { message += " with runtimeType '\(runtimeType)'" }
        if let reason { message += " (\(reason))" }
        var down: [JSONValue] = []
        for i in matching {
            let c = candidates[i]
            var reason = c.capabilities?.unavailableReason ?? (c.isReady ? "unavailable" : "driver not ready")
            if let hint = c.capabilities?.installHint { reason += " (\(hint))" }
            if c.isReady, c.capabilities?.available == true, let down = languageDown[i] { reason = down }
            message += "; driver '\(c.name)': \(reason)"
            down.append(["driver": .string(c.name), "reason": .string(reason)])
        }
        message += ". Installed languages: " + (installed.isEmpty ? "none" : installed.joined(separator: ", "))
        return RPCError.unavailable(
            message,
            data: [
                "language": .string(language), "installedLanguages": JSONValue(installed),
                "unavailableDrivers": .array(down),
            ])
    }
}
