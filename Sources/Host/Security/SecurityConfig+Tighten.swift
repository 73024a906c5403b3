public import DriverProtocol

extension SecurityConfig {
    /// The policy for one session: the server's, tightened by the client's `security` object from
    /// `session.create`. Each field can only move in the stricter direction; a looser or malformed value
    /// is ignored (the server's value stays). Unknown keys are ignored.
    ///
    /// - booleans that enable a protection (`enableInputValidation`, `enableRateLimiting`, `enableSandbox`,
    ///   `sandboxRestrictFilesystem`, `enableAuditLogging`) can be turned on, not off;
    /// - limits (`maxCodeLength`, `maxOutputLength`, `executionsPerMinute`, `maxExecutionsPerSession`) take the minimum;
    /// - `allowedFileExtensions` narrows: intersection with the server's list (or the client's list if the server allows all);
    /// - `blockedCommandPatterns` adds to the server's list (at most 32 patterns of at most 256 bytes).
    public static let maxClientPatterns = 32
    public static let maxClientPatternLength = 256

    public func tightened(by overrides: JSONValue?) -> SecurityConfig {
        guard let o = overrides?.object else { return self }
        var c = self
        func on(_ key: String, _ value: inout Bool) { if o[key]?.bool == true { value = true } }
        func min(_ key: String, _ value: inout Int) { if let i = o[key]?.int, i > 0, i < value { value = i } }
        on("enableInputValidation", &c.enableInputValidation)
        on("enableRateLimiting", &c.enableRateLimiting)
        on("enableSandbox", &c.enableSandbox)
        on("sandboxRestrictFilesystem", &c.sandboxRestrictFilesystem)
        on("enableAuditLogging", &c.enableAuditLogging)
        min("maxCodeLength", &c.maxCodeLength)
        min("maxOutputLength", &c.maxOutputLength)
        min("executionsPerMinute", &c.executionsPerMinute)
        min("maxExecutionsPerSession", &c.maxExecutionsPerSession)
        if let list = o["allowedFileExtensions"]?.array?.compactMap({ $0.string }),
            o["allowedFileExtensions"]?.array?.count == list.count
        {
            let wanted = list.map(InputValidator.normalizeExtension)
            if c.allowedFileExtensions.isEmpty {
                c.allowedFileExtensions = wanted.isEmpty ? [] : wanted
            } else {
                let server = Set(c.allowedFileExtensions.map(InputValidator.normalizeExtension))
                let narrowed = wanted.filter { server.contains($0) }
                // An empty intersection must not read as "all allowed": keep one impossible extension.
                c.allowedFileExtensions =
                    narrowed.isEmpty && !wanted.isEmpty
                    ? [".\u{0}none"] : (wanted.isEmpty ? c.allowedFileExtensions : narrowed)
            }
        }
        if let list = o["blockedCommandPatterns"]?.array {
            // Every pattern is searched on every execution: a client may add a few short ones, not thousands.
            let added = list.compactMap({ $0.string }).filter {
                !$0.isEmpty && $0.utf8.count <= Self.maxClientPatternLength
            }
            for p in added.prefix(Self.maxClientPatterns) where !c.blockedCommandPatterns.contains(p) {
                c.blockedCommandPatterns.append(p)
            }
        }
        return c
    }
}
