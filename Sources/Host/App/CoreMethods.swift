import DriverProtocol
import Glibc
import LinuxSystem
import Synchronization

/// `initialize` and `language.list`: what this server is and what it can run. Both work with no drivers.
public struct CoreMethods: Sendable {
    public static let serverName = "codebeaker"
    public static let serverVersion = "0.1.0"
    /// Version of our JSON-RPC API (methods and shapes), independent of the JSON-RPC spec version.
    public static let apiVersion = "1.0"

    let drivers: any DriverDirectory
    let config: ServerConfig
    let methodNames: @Sendable () -> [String]

    public init(drivers: any DriverDirectory, config: ServerConfig, methodNames: @escaping @Sendable () -> [String]) {
        self.drivers = drivers
        self.config = config
        self.methodNames = methodNames
    }

    /// `initialize` is what clients call first and monitors call often; its answer changes only when a driver
    /// changes state, so it is rebuilt at most every 250 ms instead of per call.
    private final class Cache: Sendable {
        let entry = Mutex<(at: Double, value: JSONValue)?>(nil)
        func value(maxAge: Double, _ make: () -> JSONValue) -> JSONValue {
            let now = MonotonicClock.now()
            if let e = entry.withLock({ $0 }), now - e.at < maxAge { return e.value }
            let v = make()
            entry.withLock { $0 = (now, v) }
            return v
        }
    }

    public var methods: [String: RPCMethod] {
        let drivers = self.drivers, config = self.config, names = self.methodNames
        let cache = Cache()
        return [
            "initialize": { _, _ in
                cache.value(maxAge: 0.25) {
                    Self.initializeResult(drivers: drivers, config: config, methodNames: names())
                }
            },
            "language.list": { _, _ in
                let langs = drivers.languageTable()
                return .object(["count": .int(langs.count), "languages": .array(langs)])
            },
        ]
    }

    static func initializeResult(drivers: any DriverDirectory, config: ServerConfig, methodNames: [String]) -> JSONValue
    {
        .object([
            "serverInfo": .object(["name": .string(Self.serverName), "version": .string(Self.serverVersion)]),
            "name": .string(Self.serverName),
            "version": .string(Self.serverVersion),
            "protocolVersion": .string(Self.apiVersion),
            "jsonrpc": "2.0",
            "capabilities": .object([
                "methods": JSONValue(methodNames),
                "batch": true, "notifications": true, "streaming": true, "cancel": true,
                "sessions": true, "statefulSessions": true,
            ]),
            "languages": .array(drivers.languageTable()),
            "drivers": drivers.snapshot(),
            "limits": .object([
                "maxMessageBytes": .int(config.maxMessageBytes),
                "maxCodeLength": .int(config.security.maxCodeLength),
                "maxOutputBytes": .int(config.maxOutputBytes),
                "defaultTimeoutSeconds": .int(config.defaultTimeoutSeconds),
                "maxTimeoutSeconds": .int(config.maxTimeoutSeconds),
                "executionsPerMinute": .int(config.security.executionsPerMinute),
                "maxExecutionsPerSession": .int(config.security.maxExecutionsPerSession),
                "workspaceQuotaMB": config.workspaceQuotaMB > 0 ? .int(config.workspaceQuotaMB) : .null,
            ]),
        ])
    }
}
