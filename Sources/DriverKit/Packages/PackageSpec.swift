/// Driver-side check of one package spec (defence in depth: the host's security layer checks first, but a
/// driver must refuse on its own). Specs only ever reach the installer as single argv entries, yet names that
/// are really options, URLs or paths change *what* is installed *from where*, so they are refused with a
/// message naming the problem.
public struct PackageSpec: Sendable, Equatable {
    public enum Style: Sendable, Equatable { case pip, npm }

    /// What the spec turned out to be.
    public enum Kind: Sendable, Equatable {
        /// A name from the package index, with optional extras and version (`six==1.16.0`, `@scope/x@^1`).
        case index(name: String)
        /// A file or directory inside the workspace, as an in-sandbox path (`/workspace/...`).
        case local(path: String)
        /// A URL or repository; only with `PackagePolicy.allowURLs`.
        case url
    }

    public let text: String
    public let kind: Kind

    public static let maxLength = 214
    static let metacharacters: Set<UInt8> = Set(";&|$`\\\"'(){}<>".utf8)
    static let urlMarkers = ["://", "git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:", "npm:", "jsr:",
                             "http:", "https:", "ssh:", "svn+", "hg+", "bzr+", " @ "]

    public init(_ text: String, style: Style, policy: PackagePolicy = .current) throws(DriverError) {
        let b = Array(text.utf8)
        let shown = "\"\(text.prefix(60))\""
        guard !b.isEmpty, !b.allSatisfy({ $0 == 0x20 }) else { throw .invalidParams("package names: an empty name") }
        guard b.count <= Self.maxLength else {
            throw .invalidParams("package names: \(shown) is \(b.count) bytes, the limit is \(Self.maxLength)")
        }
        // Version ranges for pip use < and >; allow them there only (they never reach a shell either way).
        let forbidden = style == .pip ? Self.metacharacters.subtracting("<>".utf8) : Self.metacharacters
        if let bad = b.first(where: { forbidden.contains($0) || $0 < 0x20 || $0 == 0x7F }) {
            let what = bad == 0x0A ? "a newline" : bad < 0x20 || bad == 0x7F ? "a control character" : "\"\(Character(Unicode.Scalar(bad)))\""
            throw .invalidParams("package names: \(shown) contains \(what), which is not allowed in a package name")
        }
        if b[0] == UInt8(ascii: "-") {
            throw .invalidParams("package names: \(shown) is an option, not a package name (pass allowed options in 'flags')")
        }
        self.text = text
        let lower = text.lowercased()
        if lower.hasPrefix("file:") || lower.hasPrefix(".") || lower.hasPrefix("/") || lower.hasPrefix("~") {
            var path = Substring(text)
            if lower.hasPrefix("file://") { path = path.dropFirst(7) } else if lower.hasPrefix("file:") { path = path.dropFirst(5) }
            guard let inside = WorkspacePaths.inside(String(path)) else {
                throw .invalidParams("package names: \(shown) points outside the workspace; local packages must be under /workspace")
            }
            kind = .local(path: inside)
            return
        }
        if Self.urlMarkers.contains(where: { lower.contains($0) }) {
            guard policy.allowURLs else {
                throw .invalidParams("package names: \(shown) installs from a URL or repository, which this server does not allow")
            }
            kind = .url
            return
        }
        if b.contains(0x20) { throw .invalidParams("package names: \(shown) contains whitespace") }
        switch style {
        case .pip: kind = .index(name: try Self.pipName(b, shown))
        case .npm: kind = .index(name: try Self.npmName(b, shown))
        }
    }

    /// PEP 508 name, optional `[extras]`, optional version specifiers (`==1.0`, `>=2,<3`, `~=1.4`).
    static func pipName(_ b: [UInt8], _ shown: String) throws(DriverError) -> String {
        var i = 0
        while i < b.count && (isAlnum(b[i]) || "-_.".utf8.contains(b[i])) { i += 1 }
        guard i > 0, isAlnum(b[0]), isAlnum(b[i - 1]) else {
            throw .invalidParams("package names: \(shown) is not a pip name (letters, digits, - _ . ; starting and ending with a letter or digit)")
        }
        let name = String(decoding: b[0..<i], as: UTF8.self)
        if i < b.count && b[i] == UInt8(ascii: "[") {
            guard let close = b[i...].firstIndex(of: UInt8(ascii: "]")),
                  b[(i + 1)..<close].allSatisfy({ isAlnum($0) || "-_.,".utf8.contains($0) }) else {
                throw .invalidParams("package names: \(shown) has malformed [extras]")
            }
            i = close + 1
        }
        let rest = b[i...]
        if rest.isEmpty { return name }
        guard let f = rest.first, "=<>!~".utf8.contains(f), rest.allSatisfy({ isAlnum($0) || "=<>!~.,*+-_".utf8.contains($0) }) else {
            throw .invalidParams("package names: \(shown) has a malformed version specifier (use e.g. six==1.16.0 or 'six>=1.15,<2')")
        }
        return name
    }

    /// `name` or `@scope/name`, optionally `@version-or-range`.
    static func npmName(_ b: [UInt8], _ shown: String) throws(DriverError) -> String {
        var i = 0
        func part() -> Bool {
            let s = i
            while i < b.count && (isAlnum(b[i]) || "-_.".utf8.contains(b[i])) { i += 1 }
            return i > s && b[s] != UInt8(ascii: ".") && b[s] != UInt8(ascii: "_")
        }
        if b[0] == UInt8(ascii: "@") {
            i = 1
            guard part(), i < b.count, b[i] == UInt8(ascii: "/") else { throw .invalidParams("package names: \(shown): a scoped name is @scope/name") }
            i += 1
        }
        guard part() else { throw .invalidParams("package names: \(shown) is not an npm package name") }
        let name = String(decoding: b[0..<i], as: UTF8.self)
        if i == b.count { return name }
        guard b[i] == UInt8(ascii: "@") else {
            if b[i] == UInt8(ascii: "/") {
                throw .invalidParams("package names: \(shown) is a repository shorthand, which this server does not allow")
            }
            throw .invalidParams("package names: \(shown): unexpected \"\(Character(Unicode.Scalar(b[i])))\"")
        }
        let version = b[(i + 1)...]
        guard !version.isEmpty, version.allSatisfy({ isAlnum($0) || ".-+^~<>=*,_".utf8.contains($0) }) else {
            throw .invalidParams("package names: \(shown) has a malformed version")
        }
        return name
    }

    static func isAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }

    /// pip's normalized project name (PEP 503) as wheel file names spell it: lower case, runs of -_. as `_`.
    public static func wheelName(_ name: String) -> String {
        var out = "", sep = false
        for ch in name.lowercased() {
            if ch == "-" || ch == "_" || ch == "." { sep = true; continue }
            if sep && !out.isEmpty { out.append("_") }
            sep = false
            out.append(ch)
        }
        return out
    }
}
