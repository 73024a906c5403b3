public import DriverProtocol

/// Typed access to request params that turns every bad field into -32602 naming the field.
public struct Params: Sendable {
    public let value: JSONValue
    public init(_ value: JSONValue) { self.value = value }

    public func string(_ key: String) throws(RPCError) -> String {
        guard let v = value[key] else { throw .invalidParams(key, "is required") }
        guard let s = v.string else { throw .invalidParams(key, "must be a string, got \(v.typeName)") }
        return s
    }

    public func optionalString(_ key: String) throws(RPCError) -> String? {
        guard let v = value[key], !v.isNull else { return nil }
        guard let s = v.string else { throw .invalidParams(key, "must be a string, got \(v.typeName)") }
        return s
    }

    public func optionalInt(_ key: String, range: ClosedRange<Int>? = nil) throws(RPCError) -> Int? {
        guard let v = value[key], !v.isNull else { return nil }
        guard let i = v.int else { throw .invalidParams(key, "must be an integer, got \(v.typeName)") }
        if let range, !range.contains(i) {
            throw .invalidParams(key, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return i
    }

    public func optionalBool(_ key: String) throws(RPCError) -> Bool? {
        guard let v = value[key], !v.isNull else { return nil }
        guard let b = v.bool else { throw .invalidParams(key, "must be a boolean, got \(v.typeName)") }
        return b
    }

    public func optionalStrings(_ key: String) throws(RPCError) -> [String]? {
        guard let v = value[key], !v.isNull else { return nil }
        guard let a = v.array else { throw .invalidParams(key, "must be an array of strings, got \(v.typeName)") }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            guard let s = e.string else { throw .invalidParams("\(key)[\(i)]", "must be a string, got \(e.typeName)") }
            out.append(s)
        }
        return out
    }

    public func optionalObject(_ key: String) throws(RPCError) -> JSONObject? {
        guard let v = value[key], !v.isNull else { return nil }
        guard let o = v.object else { throw .invalidParams(key, "must be an object, got \(v.typeName)") }
        return o
    }
}
