import DriverProtocol

/// A tool's arguments, read with messages an agent can act on. A problem is a tool error, not a protocol error.
struct MCPArguments: Sendable {
    struct Problem: Error, Sendable {
        let message: String
    }

    let values: JSONObject
    let known: Set<String>

    /// Refuses arguments the tool does not have, so a misspelt one is not silently ignored.
    init(_ values: JSONObject, tool: JSONValue) throws(Problem) {
        self.values = values
        known = Set(tool["inputSchema"]?["properties"]?.object?.keys ?? [])
        let unknown = values.keys.filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw Problem(
                message: "unknown argument\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")); "
                    + "this tool takes \(known.sorted().joined(separator: ", "))")
        }
    }

    func string(_ key: String) throws(Problem) -> String {
        guard let value = values[key], !value.isNull else { throw Problem(message: "missing argument \(key)") }
        guard let s = value.string else { throw Problem(message: "\(key) must be a string, got \(value.typeName)") }
        return s
    }

    func optionalString(_ key: String) throws(Problem) -> String? {
        guard let value = values[key], !value.isNull else { return nil }
        return try string(key)
    }

    func optionalNumber(_ key: String) throws(Problem) -> Double? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let d = value.double else { throw Problem(message: "\(key) must be a number, got \(value.typeName)") }
        return d
    }

    func optionalBool(_ key: String) throws(Problem) -> Bool? {
        guard let value = values[key], !value.isNull else { return nil }
        guard let b = value.bool else { throw Problem(message: "\(key) must be true or false, got \(value.typeName)") }
        return b
    }

    func strings(_ key: String) throws(Problem) -> [String] {
        guard let value = values[key], !value.isNull else { throw Problem(message: "missing argument \(key)") }
        guard let array = value.array, let list = Optional(array.compactMap(\.string)), list.count == array.count else {
            throw Problem(message: "\(key) must be an array of strings")
        }
        return list
    }
}
