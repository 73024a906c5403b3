/// What a package spec for pip or npm may look like. Specs go to the package manager as argv entries, but
/// some package managers, scripts and shells re-parse them, and options or URLs in a "name" change what
/// gets installed from where, so anything beyond name, extras and version is refused unless allowed.
struct PackageSpecRules {
    enum Style { case pip, npm }

    static let maxPackages = 100
    static let maxLength = 214  // npm's limit for a name; generous for pip

    let style: Style
    let allowURLs: Bool

    init(manager: String, allowURLs: Bool) {
        switch manager.lowercased() {
        case "pip", "pip3", "python", "uv", "poetry": style = .pip
        default: style = .npm  // npm, bun, deno, yarn, pnpm
        }
        self.allowURLs = allowURLs
    }

    func check(_ spec: String) -> Violation? {
        let b = Array(spec.utf8)
        let shown = String(spec.prefix(60))
        if b.isEmpty || b.allSatisfy(BlockedPatterns.isSpace) { return Violation(Violation.Rule.packageEmpty, .validation, "an empty package name") }
        if b.count > Self.maxLength { return Violation(Violation.Rule.packageTooLong, .validation, "the package spec is \(b.count) bytes, the limit is \(Self.maxLength)") }
        if let bad = b.first(where: { Self.metacharacters.contains($0) || $0 < 0x20 || $0 == 0x7F }) {
            let what = bad < 0x20 || bad == 0x7F ? "a control character" : "\"\(Character(Unicode.Scalar(bad)))\""
            return Violation(Violation.Rule.packageMetacharacter, .security, "\"\(shown)\" contains \(what)")
        }
        if b.first == UInt8(ascii: "-") { return Violation(Violation.Rule.packageOption, .security, "\"\(shown)\" is an option, not a package name") }
        let lower = spec.lowercased()
        if lower.hasPrefix("file:") || lower.hasPrefix(".") || lower.hasPrefix("/") || lower.hasPrefix("~") {
            return checkLocal(spec, lower)
        }
        if Self.urlMarkers.contains(where: { lower.contains($0) }) || (style == .pip && lower.contains("@ ")) {
            return allowURLs ? nil : Violation(Violation.Rule.packageURL, .security, "\"\(shown)\" installs from a URL or repository, which this server does not allow")
        }
        if b.contains(where: BlockedPatterns.isSpace) {
            return Violation(Violation.Rule.packageInvalidName, .validation, "\"\(shown)\" contains whitespace")
        }
        return style == .pip ? checkPip(b, shown) : checkNpm(b, shown)
    }

    /// `file:` and bare local paths are allowed only inside the workspace: relative, without `..`.
    private func checkLocal(_ spec: String, _ lower: String) -> Violation? {
        var path = Substring(spec)
        if lower.hasPrefix("file:") { path = path.dropFirst(5) }
        let escapes = path.hasPrefix("/") || path.hasPrefix("~") || path.split(separator: "/").contains("..")
        if escapes && !allowURLs {
            return Violation(Violation.Rule.packageLocalPath, .security, "\"\(spec.prefix(60))\" points outside the workspace")
        }
        return nil
    }

    /// PEP 508 name, optional `[extras]`, optional version specifiers (`==1.0`, `>=2,<3`, `~=1.4`).
    private func checkPip(_ b: [UInt8], _ shown: String) -> Violation? {
        var i = 0
        while i < b.count && (isAlnum(b[i]) || b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "_") || b[i] == UInt8(ascii: ".")) { i += 1 }
        guard i > 0, isAlnum(b[0]), isAlnum(b[i - 1]) else { return invalid(shown, "a pip name starts and ends with a letter or digit") }
        if i < b.count && b[i] == UInt8(ascii: "[") {
            guard let close = b[i...].firstIndex(of: UInt8(ascii: "]")),
                  b[(i + 1)..<close].allSatisfy({ isAlnum($0) || "-_.,".utf8.contains($0) }) else { return invalid(shown, "bad extras") }
            i = close + 1
        }
        let rest = b[i...]
        if rest.isEmpty { return nil }
        guard let f = rest.first, "=<>!~".utf8.contains(f),
              rest.allSatisfy({ isAlnum($0) || "=<>!~.,*+-_".utf8.contains($0) }) else { return invalid(shown, "bad version specifier") }
        return nil
    }

    /// `name`, `@scope/name`, each optionally followed by `@version-or-range`.
    private func checkNpm(_ b: [UInt8], _ shown: String) -> Violation? {
        var i = 0
        func namePart() -> Bool {
            let s = i
            while i < b.count && (isAlnum(b[i]) || "-_.".utf8.contains(b[i])) { i += 1 }
            return i > s && b[s] != UInt8(ascii: ".") && b[s] != UInt8(ascii: "_")
        }
        if b[0] == UInt8(ascii: "@") {
            i = 1
            guard namePart(), i < b.count, b[i] == UInt8(ascii: "/") else { return invalid(shown, "a scoped name is @scope/name") }
            i += 1
        }
        guard namePart() else { return invalid(shown, "not an npm package name") }
        if i == b.count { return nil }
        guard b[i] == UInt8(ascii: "@") else {
            return b[i] == UInt8(ascii: "/") ? Violation(Violation.Rule.packageURL, .security, "\"\(shown)\" is a repository shorthand, which this server does not allow")
                : invalid(shown, "unexpected \"\(Character(Unicode.Scalar(b[i])))\"")
        }
        let version = b[(i + 1)...]
        guard !version.isEmpty, version.allSatisfy({ isAlnum($0) || ".-+^~<>=*,_".utf8.contains($0) }) else { return invalid(shown, "bad version") }
        return nil
    }

    private func invalid(_ shown: String, _ why: String) -> Violation {
        Violation(Violation.Rule.packageInvalidName, .validation, "\"\(shown)\": \(why)")
    }

    private func isAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }

    static let metacharacters: Set<UInt8> = Set(";&|$`\\\"'(){}".utf8)
    static let urlMarkers = ["://", "git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:", "npm:", "http:", "https:", "ssh:", "svn+", "hg+", "bzr+"]
}
