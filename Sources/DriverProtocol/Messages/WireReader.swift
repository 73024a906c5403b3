/// A driver message field that is missing or has the wrong type. Drivers answer it with -32602; the message
/// names the field.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Typed, strict access to the fields of one JSON object of the driver wire (`null` counts as absent).
/// The decoders in this module use it, so every driver reports a bad field the same way.
public struct WireReader: Sendable {
    public let json: JSONValue

    public init(_ json: JSONValue) throws(WireError) {
        guard case .object = json else { throw WireError("params must be an object, got \(json.typeName)") }
        self.json = json
    }

    private func value(_ field: String) -> JSONValue? {
        guard let v = json[field], v != .null else { return nil }
        return v
    }

    /// Any value the field holds, unchecked (driver-specific extras such as `permissions`).
    public func raw(_ field: String) -> JSONValue? { value(field) }

    public func string(_ field: String) throws(WireError) -> String {
        guard let v = value(field) else { throw WireError("missing required field '\(field)'") }
        guard let s = v.string else { throw WireError("field '\(field)' must be a string, got \(v.typeName)") }
        return s
    }

    public func optionalString(_ field: String) throws(WireError) -> String? {
        guard let v = value(field) else { return nil }
        guard let s = v.string else { throw WireError("field '\(field)' must be a string, got \(v.typeName)") }
        return s
    }

    public func int(_ field: String, default d: Int, min: Int = Int.min, max: Int = Int.max) throws(WireError) -> Int {
        guard let v = value(field) else { return d }
        guard let i = v.int else { throw WireError("field '\(field)' must be an integer, got \(v.typeName)") }
        guard i >= min, i <= max else {
            throw WireError("field '\(field)' must be between \(min) and \(max), got \(i)")
        }
        return i
    }

    public func requiredInt(_ field: String) throws(WireError) -> Int {
        guard let v = value(field) else { throw WireError("missing required field '\(field)'") }
        guard let i = v.int else { throw WireError("field '\(field)' must be an integer, got \(v.typeName)") }
        return i
    }

    public func optionalInt(_ field: String) throws(WireError) -> Int? {
        guard let v = value(field) else { return nil }
        guard let i = v.int else { throw WireError("field '\(field)' must be an integer, got \(v.typeName)") }
        return i
    }

    public func bool(_ field: String, default d: Bool) throws(WireError) -> Bool {
        guard let v = value(field) else { return d }
        guard let b = v.bool else { throw WireError("field '\(field)' must be a boolean, got \(v.typeName)") }
        return b
    }

    public func strings(_ field: String) throws(WireError) -> [String] {
        guard let v = value(field) else { return [] }
        guard let a = v.array else {
            throw WireError("field '\(field)' must be an array of strings, got \(v.typeName)")
        }
        var out: [String] = []
        for (i, item) in a.enumerated() {
            guard let s = item.string else {
                throw WireError("field '\(field)[\(i)]' must be a string, got \(item.typeName)")
            }
            out.append(s)
        }
        return out
    }

    /// A string-to-string map such as `env`; numbers and booleans are accepted and stringified.
    public func stringMap(_ field: String) throws(WireError) -> [String: String] {
        guard let v = value(field) else { return [:] }
        guard let o = v.object else { throw WireError("field '\(field)' must be an object, got \(v.typeName)") }
        var out: [String: String] = [:]
        for (k, item) in o {
            switch item {
            case .string(let s): out[k] = s
            case .int, .double, .bool, .bigInt: out[k] = item.description
            default: throw WireError("field '\(field).\(k)' must be a string, got \(item.typeName)")
            }
        }
        return out
    }

    public func object(_ field: String) throws(WireError) -> WireReader? {
        guard let v = value(field) else { return nil }
        guard case .object = v else { throw WireError("field '\(field)' must be an object, got \(v.typeName)") }
        return try WireReader(v)
    }
}

extension JSONValue {
    /// A string map as a JSON object with sorted keys, so the same map always gives the same bytes.
    public static func sortedMap(_ map: [String: String]) -> JSONValue {
        var o = JSONObject()
        for (k, v) in map.sorted(by: { $0.key < $1.key }) { o[k] = .string(v) }
        return .object(o)
    }
}
