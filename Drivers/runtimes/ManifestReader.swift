import DriverProtocol

/// Typed access to one manifest object; every failure names the file and the (dotted) key.
struct ManifestReader {
    let object: JSONObject
    let file: String
    let prefix: String

    init(_ json: JSONValue, file: String, prefix: String, allowed: Set<String>) throws(ManifestError) {
        self.file = file; self.prefix = prefix
        guard let o = json.object else {
            throw ManifestError(
                file: file, key: prefix.isEmpty ? nil : String(prefix.dropLast()),
                problem: "must be a JSON object, got \(json.typeName)")
        }
        object = o
        for (k, _) in o where !allowed.contains(k) {
            throw ManifestError(
                file: file, key: prefix + k, problem: "unknown key (known: \(allowed.sorted().joined(separator: ", ")))"
            )
        }
    }

    func error(_ key: String, _ problem: String) -> ManifestError {
        ManifestError(file: file, key: prefix + key, problem: problem)
    }

    /// The value, nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws(ManifestError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw error(key, "must be a string, got \(v.typeName)") }
        return s
    }

    func requiredString(_ key: String) throws(ManifestError) -> String {
        guard let s = try string(key) else { throw error(key, "is required") }
        return s
    }

    func strings(_ key: String) throws(ManifestError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard let a = v.array else { throw error(key, "must be an array of strings, got \(v.typeName)") }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            guard let s = e.string else { throw error("\(key)[\(i)]", "must be a string, got \(e.typeName)") }
            out.append(s)
        }
        return out
    }

    /// A command line: a non-empty array of strings whose first element is not empty.
    func argv(_ key: String, required: Bool) throws(ManifestError) -> [String]? {
        guard let a = try strings(key) else {
            if required { throw error(key, "is required") }
            return nil
        }
        guard let first = a.first, !first.isEmpty else { throw error(key, "must be a non-empty argv") }
        return a
    }

    func stringMap(_ key: String) throws(ManifestError) -> [String: String]? {
        guard let v = value(key) else { return nil }
        guard let o = v.object else { throw error(key, "must be an object of strings, got \(v.typeName)") }
        var out: [String: String] = [:]
        for (k, e) in o {
            guard let s = e.string else { throw error("\(key).\(k)", "must be a string, got \(e.typeName)") }
            out[k] = s
        }
        return out
    }

    func positiveInt(_ key: String) throws(ManifestError) -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.int, i > 0 else { throw error(key, "must be a positive integer, got \(v)") }
        return i
    }

    func nested(_ key: String, allowed: Set<String>) throws(ManifestError) -> ManifestReader? {
        guard let v = value(key) else { return nil }
        return try ManifestReader(v, file: file, prefix: prefix + key + ".", allowed: allowed)
    }

    func objects(_ key: String, allowed: Set<String>) throws(ManifestError) -> [ManifestReader] {
        guard let v = value(key) else { return [] }
        guard let a = v.array else { throw error(key, "must be an array of objects, got \(v.typeName)") }
        var out: [ManifestReader] = []
        for (i, e) in a.enumerated() {
            out.append(try ManifestReader(e, file: file, prefix: prefix + "\(key)[\(i)].", allowed: allowed))
        }
        return out
    }
}
