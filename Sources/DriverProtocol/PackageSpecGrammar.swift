/// What a package spec for pip or npm may look like: the one rule set for the host's security layer and for
/// every driver (install `packages`, requirements-file lines, `package.json` aliases). Specs go to the package
/// manager as single argv entries, but package managers, their scripts and shells re-parse them, and options,
/// URLs or paths in a "name" change what gets installed from where, so anything beyond name, extras and
/// version is refused unless allowed (URLs and repositories with `allowURLs`; local paths only relative and
/// inside the workspace, whatever `allowURLs` says).
public struct PackageSpec: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        case pip, npm

        /// pip for pip, pip3, python, uv and poetry; npm for everything else (npm, bun, deno, yarn, pnpm).
        public init(manager: String) {
            switch manager.lowercased() {
            case "pip", "pip3", "python", "uv", "poetry": self = .pip
            default: self = .npm
            }
        }
    }

    /// What the spec turned out to be.
    public enum Kind: Sendable, Equatable {
        /// A name from the package index, with optional extras and version (`six==1.16.0`, `@scope/x@^1`).
        case index(name: String)
        /// A file or directory inside the workspace, as an in-sandbox path (`/workspace/...`).
        case local(path: String)
        /// A URL or repository; only with `allowURLs`.
        case url
    }

    public let text: String
    public let kind: Kind

    public static let maxLength = 214  // npm's limit for a name; generous for pip
    /// Refused in every spec; `<` and `>` are allowed for pip version ranges only.
    public static let metacharacters: Set<UInt8> = Set(";&|$`\\\"'(){}<>".utf8)
    public static let urlMarkers = [
        "://", "git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:", "npm:", "jsr:",
        "http:", "https:", "ssh:", "svn+", "hg+", "bzr+", " @ ",
    ]

    public init(_ text: String, style: Style, allowURLs: Bool) throws(PackageSpecError) {
        let b = Array(text.utf8)
        func fail(_ r: PackageSpecError.Reason) -> PackageSpecError { PackageSpecError(r, spec: text) }
        if b.isEmpty || b.allSatisfy(Self.isSpace) { throw fail(.empty) }
        if b.count > Self.maxLength { throw fail(.tooLong) }
        if let u = text.unicodeScalars.first(where: SandboxPath.isControl) { throw fail(.controlCharacter(u)) }
        let forbidden = style == .pip ? Self.metacharacters.subtracting("<>".utf8) : Self.metacharacters
        if let bad = b.first(where: { forbidden.contains($0) }) {
            throw fail(.metacharacter(Character(Unicode.Scalar(bad))))
        }
        if b[0] == UInt8(ascii: "-") { throw fail(.option) }
        self.text = text
        let lower = text.lowercased()
        if lower.hasPrefix("file:") || lower.hasPrefix(".") || lower.hasPrefix("/") || lower.hasPrefix("~") {
            kind = .local(path: try Self.localPath(lower.hasPrefix("file:") ? String(text.dropFirst(5)) : text, fail))
            return
        }
        if Self.urlMarkers.contains(where: { lower.contains($0) }) || (style == .pip && lower.contains("@ ")) {
            guard allowURLs else { throw fail(.url) }
            kind = .url
            return
        }
        if b.contains(where: Self.isSpace) { throw fail(.whitespace) }
        switch style {
        case .pip: kind = .index(name: try Self.pipName(b, fail))
        case .npm: kind = .index(name: try Self.npmName(b, fail))
        }
    }

    /// `path` as an in-sandbox path when it is a valid local package path (below), else nil. For local specs
    /// outside `packages`: `package.json` `file:`/`link:` dependencies.
    public static func localPackagePath(_ path: String) -> String? {
        do throws(PackageSpecError) { return try localPath(path) { PackageSpecError($0, spec: path) } } catch {
            return nil
        }
    }

    /// A local package: relative, inside the workspace, without any `..` (even one that stays inside) and not
    /// `~`. Absolute paths are refused even under /workspace: the relative form says the same thing.
    static func localPath(_ path: String, _ fail: (PackageSpecError.Reason) -> PackageSpecError)
        throws(PackageSpecError) -> String
    {
        let parts = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if path.hasPrefix("/") || parts.contains(where: { $0.elementsEqual("..".utf8) }) {
            throw fail(.outsideWorkspace)
        }
        do throws(SandboxPathError) { return try SandboxPath(path).description } catch { throw fail(.outsideWorkspace) }
    }

    /// PEP 508 name, optional `[extras]`, optional version specifiers (`==1.0`, `>=2,<3`, `~=1.4`).
    static func pipName(_ b: [UInt8], _ fail: (PackageSpecError.Reason) -> PackageSpecError) throws(PackageSpecError)
        -> String
    {
        var i = 0
        while i < b.count && (isAlnum(b[i]) || "-_.".utf8.contains(b[i])) { i += 1 }
        guard i > 0, isAlnum(b[0]), isAlnum(b[i - 1]) else { throw fail(.pipName) }
        let name = String(decoding: b[0..<i], as: UTF8.self)
        if i < b.count && b[i] == UInt8(ascii: "[") {
            guard let close = b[i...].firstIndex(of: UInt8(ascii: "]")),
                b[(i + 1)..<close].allSatisfy({ isAlnum($0) || "-_.,".utf8.contains($0) })
            else { throw fail(.extras) }
            i = close + 1
        }
        let rest = b[i...]
        if rest.isEmpty { return name }
        guard let f = rest.first, "=<>!~".utf8.contains(f),
            rest.allSatisfy({ isAlnum($0) || "=<>!~.,*+-_".utf8.contains($0) })
        else {
            throw fail(.pipVersion)
        }
        return name
    }

    /// `name` or `@scope/name`, optionally `@version-or-range`.
    static func npmName(_ b: [UInt8], _ fail: (PackageSpecError.Reason) -> PackageSpecError) throws(PackageSpecError)
        -> String
    {
        var i = 0
        func part() -> Bool {
            let s = i
            while i < b.count && (isAlnum(b[i]) || "-_.".utf8.contains(b[i])) { i += 1 }
            return i > s && b[s] != UInt8(ascii: ".") && b[s] != UInt8(ascii: "_")
        }
        if b[0] == UInt8(ascii: "@") {
            i = 1
            guard part(), i < b.count, b[i] == UInt8(ascii: "/") else { throw fail(.npmScope) }
            i += 1
        }
        guard part() else { throw fail(.npmName) }
        let name = String(decoding: b[0..<i], as: UTF8.self)
        if i == b.count { return name }
        guard b[i] == UInt8(ascii: "@") else {
            throw fail(b[i] == UInt8(ascii: "/") ? .repositoryShorthand : .unexpected(Character(Unicode.Scalar(b[i]))))
        }
        let version = b[(i + 1)...]
        guard !version.isEmpty, version.allSatisfy({ isAlnum($0) || ".-+^~=*,_".utf8.contains($0) }) else {
            throw fail(.npmVersion)
        }
        return name
    }

    /// A PEP 508 environment marker after `;` in a requirements line (`python_version < "3.12"`).
    public static func isMarker(_ marker: Substring) -> Bool {
        marker.utf8.allSatisfy { isAlnum($0) || " ._-<>=!~'\"()".utf8.contains($0) }
    }

    public static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
}

/// Why a package spec was refused. The host turns `reason` into its audited rule (`package.option`, ...),
/// drivers into an invalid-params error; both show `message`, which quotes at most 60 characters of the spec.
public struct PackageSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case empty, tooLong, option, url, repositoryShorthand, outsideWorkspace, whitespace
        case controlCharacter(Unicode.Scalar)
        case metacharacter(Character)
        case pipName, extras, pipVersion, npmScope, npmName, npmVersion
        case unexpected(Character)
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, spec: String) {
        self.reason = reason
        let shown =
            "\"\(String(spec.unicodeScalars.prefix(60).map { SandboxPath.isControl($0) ? "?" : Character($0) }))\""
        switch reason {
        case .empty: message = "an empty package name"
        case .tooLong: message = "\(shown) is \(spec.utf8.count) bytes, the limit is \(PackageSpec.maxLength)"
        case .controlCharacter(let u):
            message =
                "\(shown) contains \(u == "\n" ? "a newline" : "a control character"), which is not allowed in a package name"
        case .metacharacter(let c): message = "\(shown) contains \"\(c)\", which is not allowed in a package name"
        case .option: message = "\(shown) is an option, not a package name (pass allowed options in 'flags')"
        case .url: message = "\(shown) installs from a URL or repository, which this server does not allow"
        case .repositoryShorthand: message = "\(shown) is a repository shorthand, which this server does not allow"
        case .outsideWorkspace:
            message = "\(shown) points outside the workspace; local packages must be relative paths under /workspace"
        case .whitespace: message = "\(shown) contains whitespace"
        case .pipName:
            message = "\(shown) is not a pip name (letters, digits, - _ . ; starting and ending with a letter or digit)"
        case .extras: message = "\(shown) has malformed [extras]"
        case .pipVersion:
            message = "\(shown) has a malformed version specifier (use e.g. six==1.16.0 or 'six>=1.15,<2')"
        case .npmScope: message = "\(shown): a scoped name is @scope/name"
        case .npmName: message = "\(shown) is not an npm package name"
        case .npmVersion: message = "\(shown) has a malformed version"
        case .unexpected(let c): message = "\(shown): unexpected \"\(c)\""
        }
    }

    public var description: String { message }
}
