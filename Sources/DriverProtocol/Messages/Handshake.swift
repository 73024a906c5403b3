/// A name and version: the host in `handshake`, the driver in its reply.
public struct PeerInfo: Sendable, Equatable {
    public var name: String
    public var version: String
    public init(name: String, version: String) { self.name = name; self.version = version }
    public var json: JSONValue { ["name": .string(name), "version": .string(version)] }
    /// Nil unless both fields are strings.
    public init?(json: JSONValue?) {
        guard let name = json?["name"]?.string, let version = json?["version"]?.string else { return nil }
        self.init(name: name, version: version)
    }
}

/// `handshake`: the first request, offering the protocol versions the host speaks.
public struct HandshakeParams: DriverCallParams {
    public typealias Reply = HandshakeReply
    public static let method = DriverWire.Method.handshake
    public var protocolVersions: [Int]
    public var host: PeerInfo?

    public init(protocolVersions: [Int] = DriverWire.supportedVersions, host: PeerInfo? = nil) {
        self.protocolVersions = protocolVersions; self.host = host
    }

    public var json: JSONValue {
        var o: JSONObject = ["protocolVersions": .array(protocolVersions.map(JSONValue.int))]
        if let host { o["host"] = host.json }
        return .object(o)
    }

    /// Entries that are not integers are ignored; a missing list is -32602.
    public init(json: JSONValue) throws(WireError) {
        guard let offered = json["protocolVersions"]?.array else {
            throw WireError("missing required field 'protocolVersions' (an array of integers)")
        }
        self.init(protocolVersions: offered.compactMap(\.int), host: PeerInfo(json: json["host"]))
    }
}

/// The handshake reply. Decoding is lenient: the host decides what a missing part means
/// (docs/driver-protocol.md, "What the host does with the reply").
public struct HandshakeReply: DriverReply {
    public var protocolVersion: Int?
    public var driver: PeerInfo?
    /// Nil when missing or without `languages` and `runtimeType`.
    public var capabilities: DriverCapabilities?
    /// The reply's `protocolVersion` as sent, for error messages ("nothing" when absent).
    public var protocolVersionText: String

    public init(protocolVersion: Int, driver: PeerInfo, capabilities: DriverCapabilities) {
        self.protocolVersion = protocolVersion; self.driver = driver; self.capabilities = capabilities
        protocolVersionText = String(protocolVersion)
    }

    public var json: JSONValue {
        var o = JSONObject()
        o["protocolVersion"] = JSONValue(protocolVersion)
        if let driver { o["driver"] = driver.json }
        if let capabilities { o["capabilities"] = capabilities.json }
        return .object(o)
    }

    public init(json: JSONValue) throws(WireError) {
        protocolVersion = json["protocolVersion"]?.int
        protocolVersionText = json["protocolVersion"].map { "\($0)" } ?? "nothing"
        driver = PeerInfo(json: json["driver"])
        capabilities = json["capabilities"].flatMap(DriverCapabilities.init(json:))
    }
}
