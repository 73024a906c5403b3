public import DriverProtocol

/// What the app needs from the set of installed drivers. The driver registry implements it;
/// tests use a fixed list.
public protocol DriverDirectory: Sendable {
    var clients: [any DriverClient] { get }
    /// One status object per driver, for `/health/ready` and `initialize`.
    func snapshot() -> JSONValue
}

extension DriverDirectory {
    public var anyReady: Bool { clients.contains { $0.isReady } }

    /// Languages offered by ready drivers, with the runtimes serving each, in a stable order.
    public func languageTable() -> [JSONValue] {
        var order: [String] = []
        var entries: [String: (aliases: Set<String>, extensions: Set<String>, runtimes: [JSONValue])] = [:]
        for client in clients {
            guard let caps = client.capabilities, caps.available else { continue }
            for lang in caps.languages {
                if entries[lang.name] == nil { order.append(lang.name); entries[lang.name] = ([], [], []) }
                entries[lang.name]!.aliases.formUnion(lang.aliases)
                entries[lang.name]!.extensions.formUnion(lang.extensions)
                entries[lang.name]!.runtimes.append(
                    .object([
                        "driver": .string(client.name), "runtimeType": .string(caps.runtimeType),
                        "ready": .bool(client.isReady), "isolationLevel": .int(caps.isolationLevel),
                        "startupMs": .int(caps.startupMs), "memoryMB": .int(caps.memoryMB),
                        "packageManagers": JSONValue(caps.packageManagers), "stateful": .bool(caps.stateful),
                    ]))
            }
        }
        return order.map { name in
            let e = entries[name]!
            return .object([
                "language": .string(name), "name": .string(name),
                "aliases": JSONValue(e.aliases.sorted()), "extensions": JSONValue(e.extensions.sorted()),
                "runtimes": .array(e.runtimes),
            ])
        }
    }
}
