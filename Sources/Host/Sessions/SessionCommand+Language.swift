import DriverProtocol

extension SessionCommand {
    /// `execute_code`'s `language` override must be one the session's driver runs (its names and aliases,
    /// or the session's own language). Checked first, before rate limits, audit and metrics see the value.
    static func checkLanguage(
        _ command: SessionCommand, selection: RuntimeSelector.Selection,
        capabilities: DriverCapabilities?
    ) throws(RPCError) {
        guard case .executeCode(let code) = command, let requested = code.language else { return }
        try InputLimits.name(requested, field: "command.language")
        let allowed = allowedLanguages(selection: selection, capabilities: capabilities)
        let lower = requested.lowercased()
        if allowed.contains(lower) || allowed.contains(RuntimeSelector.canonical(lower)) { return }
        throw RPCError(
            code: -32602,
            message:
                "Invalid params: command.language \"\(lower)\" is not run by this session's \(selection.runtimeType) driver; allowed: \(allowed.sorted().joined(separator: ", "))",
            data: [
                "field": "command.language", "reason": "not a language of this session",
                "allowed": JSONValue(allowed.sorted()),
            ])
    }

    /// The session's language and every name and alias its driver declares, lower-cased.
    static func allowedLanguages(selection: RuntimeSelector.Selection, capabilities: DriverCapabilities?) -> Set<String>
    {
        var set: Set<String> = [selection.language, selection.driverLanguage.lowercased()]
        for l in capabilities?.languages ?? [] {
            set.insert(l.name.lowercased())
            for a in l.aliases { set.insert(a.lowercased()) }
        }
        return set
    }
}
