import DriverProtocol

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

    public var methods: [String: RPCMethod] {
        let drivers = self.drivers, config = self.config, names = self.methodNames
        return [
            "initialize": { _, _ in
                .object([
                    "serverInfo": .object(["name": .string(Self.serverName), "version": .string(Self.serverVersion)]),
                    "name": .string(Self.serverName),
                    "version": .string(Self.serverVersion),
                    "protocolVersion": .string(Self.apiVersion),
                    "jsonrpc": "2.0",
                    "capabilities": .object([
                        "methods": JSONValue(names()),
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
                    ]),
                ])
            },
            "language.list": { _, _ in
                let langs = drivers.languageTable()
                return .object(["count": .int(langs.count), "languages": .array(langs)])
            },
        ]
    }
}
