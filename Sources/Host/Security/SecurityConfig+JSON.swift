public import DriverProtocol

extension SecurityConfig {
    /// Strict: an unknown key, a wrong type or an out-of-range value is an error naming the key.
    /// Keys that are absent keep their defaults.
    public init(json: JSONValue) throws(SecurityConfigError) {
        self.init()
        guard let object = json.object else {
            throw SecurityConfigError(key: "security", "expected object, got \(json.typeName)")
        }
        for (key, value) in object {
            let r = FieldReader(key: key, value: value)
            switch key {
            case "enableInputValidation": enableInputValidation = try r.bool()
            case "maxCodeLength": maxCodeLength = try r.int(1...Int(Int32.max))
            case "maxOutputLength": maxOutputLength = try r.int(1...Int(Int32.max))
            case "enableRateLimiting": enableRateLimiting = try r.bool()
            case "executionsPerMinute": executionsPerMinute = try r.int(1...100_000)
            case "maxExecutionsPerSession": maxExecutionsPerSession = try r.int(1...Int(Int32.max))
            case "requestsPerSecond": requestsPerSecond = try r.positiveDouble()
            case "requestBurst": requestBurst = try r.int(1...1_000_000)
            case "maxSessionsPerPrincipal": maxSessionsPerPrincipal = try r.int(1...1_000_000)
            case "principalExecutionsPerMinute": principalExecutionsPerMinute = try r.int(1...100_000)
            case "principalFileCommandsPerMinute": principalFileCommandsPerMinute = try r.int(1...100_000)
            case "maxConcurrentFileCommandsPerPrincipal": maxConcurrentFileCommandsPerPrincipal = try r.int(1...1024)
            case "maxConcurrentFileCommandsPerSession": maxConcurrentFileCommandsPerSession = try r.int(1...1024)
            case "enableSandbox": enableSandbox = try r.bool()
            case "sandboxRestrictFilesystem": sandboxRestrictFilesystem = try r.bool()
            case "allowedFileExtensions": allowedFileExtensions = try r.strings()
            case "enableAuditLogging": enableAuditLogging = try r.bool()
            case "auditLogRetentionDays": auditLogRetentionDays = try r.int(1...36_500)
            case "auditLogDirectory":
                auditLogDirectory = try r.string()
                guard auditLogDirectory.hasPrefix("/") else {
                    throw SecurityConfigError(key: key, "must be an absolute path")
                }
            case "blockedCommandPatterns": blockedCommandPatterns = try r.strings()
            case "allowedPackageFlags": allowedPackageFlags = try r.strings()
            case "allowPackageURLs": allowPackageURLs = try r.bool()
            case "networkPrincipals": networkPrincipals = try r.strings()
            case "tokens": tokens = try r.tokens()
            default: throw SecurityConfigError(key: key, "unknown key")
            }
        }
    }

    /// The effective config for `--print-config`, tokens redacted.
    public var json: JSONValue { json(revealingTokens: false) }

    public func json(revealingTokens: Bool) -> JSONValue {
        var o = JSONObject()
        o["enableInputValidation"] = .bool(enableInputValidation)
        o["maxCodeLength"] = .int(maxCodeLength)
        o["maxOutputLength"] = .int(maxOutputLength)
        o["enableRateLimiting"] = .bool(enableRateLimiting)
        o["executionsPerMinute"] = .int(executionsPerMinute)
        o["maxExecutionsPerSession"] = .int(maxExecutionsPerSession)
        o["requestsPerSecond"] = .double(requestsPerSecond)
        o["requestBurst"] = .int(requestBurst)
        o["maxSessionsPerPrincipal"] = .int(maxSessionsPerPrincipal)
        o["principalExecutionsPerMinute"] = .int(principalExecutionsPerMinute)
        o["principalFileCommandsPerMinute"] = .int(principalFileCommandsPerMinute)
        o["maxConcurrentFileCommandsPerPrincipal"] = .int(maxConcurrentFileCommandsPerPrincipal)
        o["maxConcurrentFileCommandsPerSession"] = .int(maxConcurrentFileCommandsPerSession)
        o["enableSandbox"] = .bool(enableSandbox)
        o["sandboxRestrictFilesystem"] = .bool(sandboxRestrictFilesystem)
        o["allowedFileExtensions"] = JSONValue(allowedFileExtensions)
        o["enableAuditLogging"] = .bool(enableAuditLogging)
        o["auditLogRetentionDays"] = .int(auditLogRetentionDays)
        o["auditLogDirectory"] = .string(auditLogDirectory)
        o["blockedCommandPatterns"] = JSONValue(blockedCommandPatterns)
        o["allowedPackageFlags"] = JSONValue(allowedPackageFlags)
        o["allowPackageURLs"] = .bool(allowPackageURLs)
        o["networkPrincipals"] = JSONValue(networkPrincipals)
        o["tokens"] = .array(
            tokens.map {
                ["principal": .string($0.principal), "token": .string(revealingTokens ? $0.token : "[REDACTED]")]
            })
        return .object(o)
    }
}

/// Reads one typed field, or throws an error naming it.
private struct FieldReader {
    let key: String
    let value: JSONValue

    func fail(_ expected: String) -> SecurityConfigError {
        SecurityConfigError(key: key, "expected \(expected), got \(value.typeName)")
    }

    func bool() throws(SecurityConfigError) -> Bool {
        guard let b = value.bool else { throw fail("boolean") }
        return b
    }

    func string() throws(SecurityConfigError) -> String {
        guard let s = value.string, !s.isEmpty else {
            throw value.string == nil ? fail("string") : SecurityConfigError(key: key, "must not be empty")
        }
        return s
    }

    func int(_ range: ClosedRange<Int>) throws(SecurityConfigError) -> Int {
        guard let i = value.int else { throw fail("integer") }
        guard range.contains(i) else {
            throw SecurityConfigError(key: key, "must be between \(range.lowerBound) and \(range.upperBound), got \(i)")
        }
        return i
    }

    func positiveDouble() throws(SecurityConfigError) -> Double {
        guard let d = value.double, d.isFinite else { throw fail("number") }
        guard d > 0 else { throw SecurityConfigError(key: key, "must be greater than 0") }
        return d
    }

    func strings() throws(SecurityConfigError) -> [String] {
        guard let items = value.array else { throw fail("array of strings") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.string else {
                throw SecurityConfigError(key: "\(key)[\(i)]", "expected string, got \(item.typeName)")
            }
            guard !s.isEmpty else { throw SecurityConfigError(key: "\(key)[\(i)]", "must not be empty") }
            out.append(s)
        }
        return out
    }

    func tokens() throws(SecurityConfigError) -> [SecurityConfig.AuthToken] {
        guard let items = value.array else { throw fail("array of {token, principal}") }
        var out: [SecurityConfig.AuthToken] = []
        for (i, item) in items.enumerated() {
            let place = "\(key)[\(i)]"
            guard let o = item.object else {
                throw SecurityConfigError(key: place, "expected object, got \(item.typeName)")
            }
            for k in o.keys where k != "token" && k != "principal" {
                throw SecurityConfigError(key: "\(place).\(k)", "unknown key")
            }
            guard let token = o["token"]?.string else {
                throw SecurityConfigError(key: "\(place).token", "expected string")
            }
            guard let principal = o["principal"]?.string else {
                throw SecurityConfigError(key: "\(place).principal", "expected string")
            }
            let t = SecurityConfig.AuthToken(token: token, principal: principal)
            if let problem = t.problem { throw SecurityConfigError(key: place, problem) }
            out.append(t)
        }
        if let dup = SecurityConfig.duplicateToken(out) {
            throw SecurityConfigError(key: key, "token of principal \(dup) is listed twice")
        }
        return out
    }
}

extension SecurityConfig.AuthToken {
    /// Why this token cannot be used, if it cannot. Tokens travel in headers, URLs and subprotocol names,
    /// so they are limited to characters that are safe in all three.
    var problem: String? {
        if token.isEmpty { return "token must not be empty" }
        if !token.utf8.allSatisfy({ SecurityConfig.isTokenByte($0) }) {
            return "token may only contain A-Z a-z 0-9 - _ . ~"
        }
        if principal.isEmpty { return "principal must not be empty" }
        if principal.utf8.contains(where: {
            $0 < 0x21 || $0 == 0x7F || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ",")
        }) {
            return "principal must not contain spaces, control characters, ':' or ','"
        }
        return nil
    }
}

extension SecurityConfig {
    static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "~")
    }

    static func duplicateToken(_ tokens: [AuthToken]) -> String? {
        var seen = Set<String>()
        for t in tokens where !seen.insert(t.token).inserted { return t.principal }
        return nil
    }
}
