/// The reply to `execute`, `shell` and (as the host reads it) `install`: a run result plus whatever else the
/// driver added (install's `installed`, a driver's own fields), kept in order for the client.
public struct RunReply: DriverReply {
    public var run: RunResult
    /// Fields that are not run result fields.
    public var extra: JSONObject

    public init(run: RunResult, extra: JSONObject = JSONObject()) { self.run = run; self.extra = extra }

    /// The run result's fields first, then the extras (never overriding them).
    public var json: JSONValue {
        var o = run.json.object ?? JSONObject()
        for (k, v) in extra where o[k] == nil { o[k] = v }
        return .object(o)
    }

    /// Lenient: missing run fields take their defaults (RunResult(json:)); a non-object is an empty result.
    public init(json: JSONValue) {
        run = RunResult(json: json)
        extra = JSONObject()
        for (k, v) in json.object ?? JSONObject() where !RunResult.fieldNames.contains(k) { extra[k] = v }
    }
}

/// What a driver answers to `install`: `{installed:[{name,version}], manager, success, ...run result fields}`.
/// The host reads it as a `RunReply` (the install fields pass through to the client as extras).
public struct InstallReply: DriverReply {
    public struct Installed: Sendable, Equatable {
        public var name: String
        public var version: String
        public init(name: String, version: String) { self.name = name; self.version = version }
    }

    public var run: RunResult
    public var installed: [Installed]
    public var manager: String
    public var extra: JSONObject

    public init(run: RunResult, installed: [Installed], manager: String, extra: JSONObject = JSONObject()) {
        self.run = run; self.installed = installed; self.manager = manager; self.extra = extra
    }

    public var json: JSONValue {
        var o = run.json.object ?? JSONObject()
        o["installed"] = .array(installed.map { ["name": .string($0.name), "version": .string($0.version)] })
        o["manager"] = .string(manager)
        o["success"] = .bool(run.succeeded)
        for (k, v) in extra where o[k] == nil { o[k] = v }
        return .object(o)
    }

    /// Lenient, like `RunReply`: entries of `installed` without a string name are skipped.
    public init(json: JSONValue) {
        let own: Set<String> = ["installed", "manager", "success"]
        run = RunResult(json: json)
        installed = (json["installed"]?.array ?? []).compactMap { i in
            i["name"]?.string.map { Installed(name: $0, version: i["version"]?.string ?? "") }
        }
        manager = json["manager"]?.string ?? ""
        extra = JSONObject()
        for (k, v) in json.object ?? JSONObject() where !RunResult.fieldNames.contains(k) && !own.contains(k) {
            extra[k] = v
        }
    }
}
