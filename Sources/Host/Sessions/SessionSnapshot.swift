public import DriverProtocol
import LinuxSystem

/// A read-only copy of one session, handed to policies and used to build `session.list` entries.
public struct SessionSnapshot: Sendable, Equatable {
    public var id: String
    public var principal: String
    /// Canonical language the client asked for (`python`, `deno`, ...).
    public var language: String
    public var driverName: String
    public var runtimeType: String
    public var containerId: String?
    public var workspace: String
    public var uid: UInt32
    public var gid: UInt32
    public var state: SessionStateMachine.State
    /// Wall-clock seconds since 1970.
    public var createdAt: Double
    public var lastActivity: Double
    public var executionCount: Int
    public var idleSeconds: Double
    public var lifetimeSeconds: Double
    public var options: SessionOptions
    /// Bytes used on the session's volume, when it has one (filled by `SessionManager.list`).
    public var diskUsedBytes: Int?
    /// How the session's sandbox started (nil for snapshots that do not come from `create`).
    public var sandboxStart: SandboxStart?

    /// One entry of `session.list`, as in the seed.
    public var listJSON: JSONValue {
        var o = seedListJSON
        if let limit = options.diskLimitMB, let used = diskUsedBytes {
            o["disk"] = ["usedMB": .double(Self.round1(Double(used) / 1_048_576)), "limitMB": .int(limit)]
        }
        return .object(o)
    }

    private var seedListJSON: JSONObject {
        [
            "sessionId": .string(id), "containerId": JSONValue(containerId), "language": .string(language),
            "createdAt": .string(Self.iso(createdAt)), "lastActivity": .string(Self.iso(lastActivity)),
            "state": .string(state.rawValue), "executionCount": .int(executionCount),
            "idleMinutes": .double(Self.round1(idleSeconds / 60)),
            "lifetimeMinutes": .double(Self.round1(lifetimeSeconds / 60)),
            "runtime": ["type": .string(runtimeType), "driver": .string(driverName)],
        ]
    }

    /// The `session.create` result, as in the seed plus `runtime`.
    public var createJSON: JSONValue {
        var o: JSONObject = [
            "sessionId": .string(id), "containerId": JSONValue(containerId), "language": .string(language),
            "createdAt": .string(Self.iso(createdAt)), "state": .string(state.rawValue), "config": options.configJSON,
            "runtime": ["type": .string(runtimeType), "driver": .string(driverName)],
        ]
        if let sandboxStart { o["sandboxStart"] = .string(sandboxStart.rawValue) }
        return .object(o)
    }

    static func iso(_ seconds: Double) -> String { Timestamp.iso8601(seconds: Int(seconds.rounded(.down))) }
    static func round1(_ d: Double) -> Double { (d * 10).rounded() / 10 }
}
