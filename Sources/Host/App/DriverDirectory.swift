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

    /// Languages offered by ready drivers, with the runtimes serving each, in a stable order. A language is
    /// `available` when one of its runtimes is; `version` is the first available runtime's. Languages a driver
    /// lists as unavailable (a missing interpreter, a broken manifest) are shown with the reason.
    public func languageTable() -> [JSONValue] {
        var order: [String] = []
        var entries: [String: (aliases: Set<String>, extensions: Set<String>, runtimes: [JSONValue])] = [:]
        var best: [String: (available: Bool, version: String?, reason: String?, hint: String?)] = [:]
        for client in clients {
            guard let caps = client.capabilities, caps.available else { continue }
            for lang in caps.languages {
                if entries[lang.name] == nil { order.append(lang.name); entries[lang.name] = ([], [], []) }
                entries[lang.name]!.aliases.formUnion(lang.aliases)
                entries[lang.name]!.extensions.formUnion(lang.extensions)
                var runtime: JSONObject = [
                    "driver": .string(client.name), "runtimeType": .string(caps.runtimeType),
                    "ready": .bool(client.isReady), "isolationLevel": .int(caps.isolationLevel),
                    "startupMs": .int(caps.startupMs), "memoryMB": .int(caps.memoryMB),
                    "packageManagers": JSONValue(caps.packageManagers), "stateful": .bool(caps.stateful),
                    "available": .bool(lang.available),
                ]
                if let v = lang.version { runtime["version"] = .string(v) }
                if let r = lang.unavailableReason { runtime["unavailableReason"] = .string(r) }
                if let h = lang.installHint { runtime["installHint"] = .string(h) }
                entries[lang.name]!.runtimes.append(.object(runtime))
                if best[lang.name].map({ !$0.available && lang.available }) ?? true {
                    best[lang.name] = (lang.available, lang.version, lang.unavailableReason, lang.installHint)
                }
            }
        }
        return order.map { name in
            let e = entries[name]!, b = best[name]!
            var o: JSONObject = [
                "language": .string(name), "name": .string(name),
                "aliases": JSONValue(e.aliases.sorted()), "extensions": JSONValue(e.extensions.sorted()),
                "available": .bool(b.available), "version": JSONValue(b.version),
            ]
            if !b.available {
                o["unavailableReason"] = JSONValue(b.reason)
                o["installHint"] = JSONValue(b.hint)
            }
            o["runtimes"] = .array(e.runtimes)
            return .object(o)
        }
    }
}
