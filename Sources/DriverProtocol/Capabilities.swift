/// What a driver declares in its handshake reply; the host selects runtimes from these figures.
public struct DriverCapabilities: Sendable, Equatable {
    /// One language; `version` and the availability fields are per language (a driver serving many languages,
    /// such as the runtimes driver, may have some of them missing). Old drivers omit them: available.
    public struct Language: Sendable, Equatable {
        public var name: String
        public var aliases: [String]
        public var extensions: [String]
        public var version: String?
        public var available: Bool
        public var unavailableReason: String?
        public var installHint: String?
        public init(
            name: String, aliases: [String] = [], extensions: [String] = [], version: String? = nil,
            available: Bool = true, unavailableReason: String? = nil, installHint: String? = nil
        ) {
            self.name = name; self.aliases = aliases; self.extensions = extensions; self.version = version
            self.available = available; self.unavailableReason = unavailableReason; self.installHint = installHint
        }

        /// Only the fields that are set (an available language without a version is `{name,aliases,extensions}`).
        public var json: JSONValue {
            var o: JSONObject = [
                "name": .string(name), "aliases": JSONValue(aliases), "extensions": JSONValue(extensions),
            ]
            if let version { o["version"] = .string(version) }
            if !available { o["available"] = .bool(false) }
            if let unavailableReason { o["unavailableReason"] = .string(unavailableReason) }
            if let installHint { o["installHint"] = .string(installHint) }
            return .object(o)
        }

        public init?(json l: JSONValue) {
            guard let name = l["name"]?.string else { return nil }
            self.init(
                name: name, aliases: l["aliases"]?.array?.compactMap(\.string) ?? [],
                extensions: l["extensions"]?.array?.compactMap(\.string) ?? [], version: l["version"]?.string,
                available: l["available"]?.bool ?? true, unavailableReason: l["unavailableReason"]?.string,
                installHint: l["installHint"]?.string)
        }
    }

    public var languages: [Language]
    /// The seed's runtime type name: Docker, Deno, Bun, NodeJs, Python (others for third parties).
    public var runtimeType: String
    /// 0-10, as in the seed's table; honest figures, documented per driver.
    public var isolationLevel: Int
    public var startupMs: Int
    public var memoryMB: Int
    public var packageManagers: [String]
    public var stateful: Bool
    public var interrupt: Bool
    public var streaming: Bool
    public var networkControl: Bool
    /// False when the runtime binary is missing; the host then skips this driver.
    public var available: Bool
    public var unavailableReason: String?
    public var installHint: String?

    public init(
        languages: [Language], runtimeType: String, isolationLevel: Int, startupMs: Int, memoryMB: Int,
        packageManagers: [String] = [], stateful: Bool = false, interrupt: Bool = true, streaming: Bool = true,
        networkControl: Bool = true, available: Bool = true, unavailableReason: String? = nil,
        installHint: String? = nil
    ) {
        self.languages = languages; self.runtimeType = runtimeType; self.isolationLevel = isolationLevel
        self.startupMs = startupMs; self.memoryMB = memoryMB; self.packageManagers = packageManagers
        self.stateful = stateful; self.interrupt = interrupt; self.streaming = streaming
        self.networkControl = networkControl; self.available = available
        self.unavailableReason = unavailableReason; self.installHint = installHint
    }

    public var json: JSONValue {
        var o = JSONObject()
        o["languages"] = .array(languages.map(\.json))
        o["runtimeType"] = .string(runtimeType)
        o["isolationLevel"] = .int(isolationLevel)
        o["startupMs"] = .int(startupMs)
        o["memoryMB"] = .int(memoryMB)
        o["packageManagers"] = JSONValue(packageManagers)
        o["stateful"] = .bool(stateful)
        o["interrupt"] = .bool(interrupt)
        o["streaming"] = .bool(streaming)
        o["networkControl"] = .bool(networkControl)
        o["available"] = .bool(available)
        if let unavailableReason { o["unavailableReason"] = .string(unavailableReason) }
        if let installHint { o["installHint"] = .string(installHint) }
        return .object(o)
    }

    /// Lenient decoding: missing optional figures take neutral defaults so third-party drivers stay simple.
    public init?(json: JSONValue) {
        guard let langs = json["languages"]?.array, let runtimeType = json["runtimeType"]?.string else { return nil }
        self.languages = langs.compactMap { Language(json: $0) }
        self.runtimeType = runtimeType
        self.isolationLevel = json["isolationLevel"]?.int ?? 0
        self.startupMs = json["startupMs"]?.int ?? 1000
        self.memoryMB = json["memoryMB"]?.int ?? 100
        self.packageManagers = json["packageManagers"]?.array?.compactMap(\.string) ?? []
        self.stateful = json["stateful"]?.bool ?? false
        self.interrupt = json["interrupt"]?.bool ?? false
        self.streaming = json["streaming"]?.bool ?? false
        self.networkControl = json["networkControl"]?.bool ?? false
        self.available = json["available"]?.bool ?? true
        self.unavailableReason = json["unavailableReason"]?.string
        self.installHint = json["installHint"]?.string
    }
}
