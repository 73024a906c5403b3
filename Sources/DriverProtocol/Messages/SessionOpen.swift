/// `session.open`: create (or, with `handle`, re-adopt) the session's sandbox.
public struct SessionOpenParams: DriverCallParams {
    public typealias Reply = SessionOpenReply
    public static let method = DriverWire.Method.sessionOpen
    public var session: String
    /// Host directory mounted at /workspace, owned by `options.uid`.
    public var workspace: String
    public var language: String?
    /// Set when the host re-opens after a driver restart; re-adopt if possible.
    public var handle: String?
    public var options: SessionOpenOptions

    public init(
        session: String, workspace: String, language: String? = nil, handle: String? = nil,
        options: SessionOpenOptions = .init()
    ) {
        self.session = session; self.workspace = workspace; self.language = language; self.handle = handle;
        self.options = options
    }

    public var json: JSONValue {
        [
            "session": .string(session), "workspace": .string(workspace), "language": JSONValue(language),
            "handle": JSONValue(handle), "options": options.json,
        ]
    }

    public init(json: JSONValue) throws(WireError) {
        let r = try WireReader(json)
        self.init(
            session: try r.string("session"), workspace: try r.string("workspace"),
            language: try r.optionalString("language"), handle: try r.optionalString("handle"),
            options: try SessionOpenOptions(json: r.object("options")?.json))
        guard workspace.hasPrefix("/") else { throw WireError("field 'workspace' must be an absolute path") }
    }
}

/// `{handle, containerId}`, the optional `isolationLevel` and `readopted`, plus a driver's own extras.
public struct SessionOpenReply: DriverReply {
    public var handle: String?
    public var containerId: String?
    /// The isolation level this session really got (the Swift drivers report it).
    public var isolationLevel: Int?
    /// True when `handle` re-adopted an environment that survived a driver restart.
    public var readopted: Bool
    /// Other fields a driver reports (docker: `image`, `pooled`), kept in order.
    public var extra: JSONObject

    public init(
        handle: String?, containerId: String? = nil, isolationLevel: Int? = nil, readopted: Bool = false,
        extra: JSONObject = JSONObject()
    ) {
        self.handle = handle; self.containerId = containerId; self.isolationLevel = isolationLevel
        self.readopted = readopted; self.extra = extra
    }

    static let fields: Set<String> = ["handle", "containerId", "isolationLevel", "readopted"]

    public var json: JSONValue {
        var o: JSONObject = ["handle": JSONValue(handle), "containerId": JSONValue(containerId)]
        if let isolationLevel { o["isolationLevel"] = .int(isolationLevel) }
        if readopted { o["readopted"] = .bool(true) }
        for (k, v) in extra where o[k] == nil { o[k] = v }
        return .object(o)
    }

    /// The handle is opaque but must be a string (or absent); the optional fields are ignored when mistyped.
    public init(json: JSONValue) throws(WireError) {
        let r = try WireReader(json)
        handle = try r.optionalString("handle")
        containerId = json["containerId"]?.string
        isolationLevel = json["isolationLevel"]?.int
        readopted = json["readopted"]?.bool ?? false
        extra = JSONObject()
        for (k, v) in json.object ?? JSONObject() where !Self.fields.contains(k) { extra[k] = v }
    }
}

/// `session.close`: idempotent; an unknown session is not an error.
public struct SessionCloseParams: DriverCallParams {
    public typealias Reply = SessionCloseReply
    public static let method = DriverWire.Method.sessionClose
    public var session: String
    public var handle: String?

    public init(session: String, handle: String? = nil) { self.session = session; self.handle = handle }

    public var json: JSONValue { ["session": .string(session), "handle": JSONValue(handle)] }

    public init(json: JSONValue) throws(WireError) {
        let r = try WireReader(json)
        self.init(session: try r.string("session"), handle: try r.optionalString("handle"))
    }
}

/// `{closed:true}`.
public struct SessionCloseReply: DriverReply {
    public var closed: Bool
    public init(closed: Bool = true) { self.closed = closed }
    public var json: JSONValue { ["closed": .bool(closed)] }
    public init(json: JSONValue) throws(WireError) { closed = json["closed"]?.bool ?? false }
}
