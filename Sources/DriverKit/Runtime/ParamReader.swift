import DriverProtocol

/// Typed access to request params; every failure is -32602 naming the field.
public struct ParamReader: Sendable {
    public let params: JSONValue

    public init(_ params: JSONValue) throws(DriverError) {
        guard case .object = params else { throw .invalidParams("params must be an object, got \(params.typeName)") }
        self.params = params
    }

    private func value(_ field: String) -> JSONValue? {
        guard let v = params[field], v != .null else { return nil }
        return v
    }

    public func string(_ field: String) throws(DriverError) -> String {
        guard let v = value(field) else { throw .invalidParams("missing required field '\(field)'") }
        guard let s = v.string else { throw .invalidParams("field '\(field)' must be a string, got \(v.typeName)") }
        return s
    }

    public func optionalString(_ field: String) throws(DriverError) -> String? {
        guard let v = value(field) else { return nil }
        guard let s = v.string else { throw .invalidParams("field '\(field)' must be a string, got \(v.typeName)") }
        return s
    }

    public func int(_ field: String, default d: Int, min: Int = Int.min, max: Int = Int.max) throws(DriverError) -> Int {
        guard let v = value(field) else { return d }
        guard let i = v.int else { throw .invalidParams("field '\(field)' must be an integer, got \(v.typeName)") }
        guard i >= min, i <= max else { throw .invalidParams("field '\(field)' must be between \(min) and \(max), got \(i)") }
        return i
    }

    public func optionalInt(_ field: String) throws(DriverError) -> Int? {
        guard let v = value(field) else { return nil }
        guard let i = v.int else { throw .invalidParams("field '\(field)' must be an integer, got \(v.typeName)") }
        return i
    }

    public func bool(_ field: String, default d: Bool) throws(DriverError) -> Bool {
        guard let v = value(field) else { return d }
        guard let b = v.bool else { throw .invalidParams("field '\(field)' must be a boolean, got \(v.typeName)") }
        return b
    }

    public func strings(_ field: String) throws(DriverError) -> [String] {
        guard let v = value(field) else { return [] }
        guard let a = v.array else { throw .invalidParams("field '\(field)' must be an array of strings, got \(v.typeName)") }
        var out: [String] = []
        for (i, item) in a.enumerated() {
            guard let s = item.string else { throw .invalidParams("field '\(field)[\(i)]' must be a string, got \(item.typeName)") }
            out.append(s)
        }
        return out
    }

    /// A string-to-string map such as `env`; numbers and booleans are accepted and stringified.
    public func stringMap(_ field: String) throws(DriverError) -> [String: String] {
        guard let v = value(field) else { return [:] }
        guard let o = v.object else { throw .invalidParams("field '\(field)' must be an object, got \(v.typeName)") }
        var out: [String: String] = [:]
        for (k, item) in o {
            switch item {
            case .string(let s): out[k] = s
            case .int, .double, .bool, .bigInt: out[k] = item.description
            default: throw .invalidParams("field '\(field).\(k)' must be a string, got \(item.typeName)")
            }
        }
        return out
    }

    public func object(_ field: String) throws(DriverError) -> ParamReader? {
        guard let v = value(field) else { return nil }
        guard case .object = v else { throw .invalidParams("field '\(field)' must be an object, got \(v.typeName)") }
        return try ParamReader(v)
    }
}
