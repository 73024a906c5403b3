public import DriverProtocol

/// Length and shape limits on the short strings a client sends besides code and file contents: languages,
/// ids, env names and values, Docker image names, permission objects. Each check throws -32602 naming the
/// field and the limit, without echoing a long value back. Pure; called from the params parsing.
public enum InputLimits: Sendable {
    public static let maxNameBytes = 64  // language, runtimeType, package manager
    public static let maxIDBytes = 128  // sessionId, executionId (the server makes them ~30 bytes)
    public static let maxEnvCount = 256
    public static let maxEnvKeyBytes = 256
    public static let maxEnvValueBytes = 32 << 10
    public static let maxDockerImageBytes = 256
    public static let maxPermissionsBytes = 16 << 10

    /// A short name: at most `maxNameBytes`, printable ASCII without spaces.
    public static func name(_ value: String, field: String) throws(RPCError) {
        let n = value.utf8.count
        if n > maxNameBytes { throw RPCError.invalidParams(field, "is \(n) bytes, at most \(maxNameBytes)") }
        if n == 0 { throw RPCError.invalidParams(field, "must not be empty") }
        guard value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw RPCError.invalidParams(field, "must be printable ASCII without spaces, got \"\(preview(value))\"")
        }
    }

    public static func id(_ value: String, field: String) throws(RPCError) {
        let n = value.utf8.count
        if n > maxIDBytes { throw RPCError.invalidParams(field, "is \(n) bytes, at most \(maxIDBytes)") }
        guard !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw RPCError.invalidParams(field, "must not contain control characters")
        }
    }

    /// Environment variables: a bounded count of POSIX names with bounded values and no NUL.
    public static func env(_ env: [String: String], field: String) throws(RPCError) {
        if env.count > maxEnvCount {
            throw RPCError.invalidParams(field, "has \(env.count) variables, at most \(maxEnvCount)")
        }
        for (k, v) in env {
            let shown = "\(field).\(preview(k, 40))"
            if k.utf8.count > maxEnvKeyBytes {
                throw RPCError.invalidParams(
                    "\(field).\(preview(k, 40))", "name is \(k.utf8.count) bytes, at most \(maxEnvKeyBytes)")
            }
            guard isEnvName(k) else {
                throw RPCError.invalidParams(
                    shown, "is not a variable name (letters, digits and _, not starting with a digit)")
            }
            if v.utf8.count > maxEnvValueBytes {
                throw RPCError.invalidParams(shown, "is \(v.utf8.count) bytes, at most \(maxEnvValueBytes)")
            }
            if v.utf8.contains(0) { throw RPCError.invalidParams(shown, "must not contain a NUL byte") }
        }
    }

    /// `[registry/]name[:tag][@digest]` characters only, bounded.
    public static func dockerImage(_ value: String, field: String) throws(RPCError) {
        let n = value.utf8.count
        if n > maxDockerImageBytes {
            throw RPCError.invalidParams(field, "is \(n) bytes, at most \(maxDockerImageBytes)")
        }
        let ok =
            n > 0
            && value.utf8.allSatisfy { b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                    || Array("._-/:@".utf8).contains(b)
            }
        guard ok else {
            throw RPCError.invalidParams(
                field, "is not an image reference ([registry/]name[:tag][@digest]), got \"\(preview(value))\"")
        }
    }

    /// A client JSON object kept with the session: bounded in encoded size.
    public static func json(_ value: JSONValue, field: String, maxBytes: Int = maxPermissionsBytes) throws(RPCError) {
        let n = JSONWriter.bytes(value).count
        if n > maxBytes { throw RPCError.invalidParams(field, "is \(n) bytes of JSON, at most \(maxBytes)") }
    }

    static func isEnvName(_ k: String) -> Bool {
        guard let first = k.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return k.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
        }
    }

    /// A value shown in an error: at most `limit` characters, control characters as `?`.
    static func preview(_ s: String, _ limit: Int = 60) -> String {
        var out = String(
            s.prefix(limit).map { c -> Character in
                c.isASCII && (c.asciiValue! < 0x20 || c.asciiValue! == 0x7F) ? "?" : c
            })
        if s.count > limit { out += "…" }
        return out
    }
}
