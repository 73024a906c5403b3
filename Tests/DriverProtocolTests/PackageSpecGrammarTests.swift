import Testing

@testable import DriverProtocol

/// The one package-spec grammar (host and drivers), table-driven: accepted specs with what they are, and
/// refused ones with their reason, including option injection, URLs and VCS, paths and control characters.
@Suite struct PackageSpecGrammarTests {
    typealias Reason = PackageSpecError.Reason

    static let acceptedCases: [(String, PackageSpec.Style, PackageSpec.Kind)] = [
        ("six", .pip, .index(name: "six")), ("six==1.16.0", .pip, .index(name: "six")),
        ("requests[socks,security]>=2,<3", .pip, .index(name: "requests")), ("pkg[a,b]", .pip, .index(name: "pkg")),
        ("zope.interface~=6.0", .pip, .index(name: "zope.interface")), ("numpy>=1.24,<2", .pip, .index(name: "numpy")),
        ("typing_extensions!=4.0", .pip, .index(name: "typing_extensions")),
        ("Django===4.2", .pip, .index(name: "Django")),
        ("a", .pip, .index(name: "a")),
        ("lodash", .npm, .index(name: "lodash")), ("@types/node", .npm, .index(name: "@types/node")),
        ("@types/node@^20.1", .npm, .index(name: "@types/node")), ("express@4.18.2", .npm, .index(name: "express")),
        ("left-pad@latest", .npm, .index(name: "left-pad")), ("react@~18.2", .npm, .index(name: "react")),
        ("x@1.x", .npm, .index(name: "x")), ("x@*", .npm, .index(name: "x")),
        // Local packages: relative and inside the workspace only.
        ("./wheels/x-1.0-py3-none-any.whl", .pip, .local(path: "/workspace/wheels/x-1.0-py3-none-any.whl")),
        ("file:pkgs/tool", .npm, .local(path: "/workspace/pkgs/tool")),
        ("file:./lib", .npm, .local(path: "/workspace/lib")),
        ("./mypkg", .pip, .local(path: "/workspace/mypkg")), (".hidden", .pip, .local(path: "/workspace/.hidden")),
    ]

    @Test(arguments: acceptedCases)
    func accepted(_ spec: String, _ style: PackageSpec.Style, _ kind: PackageSpec.Kind) throws {
        #expect(try PackageSpec(spec, style: style, allowURLs: false).kind == kind)
    }

    static let refusedCases: [(String, PackageSpec.Style, Reason)] = [
        ("", .pip, .empty), ("   ", .npm, .empty), (" \t", .pip, .empty),
        (String(repeating: "a", count: 215), .pip, .tooLong),
        // Control characters, C0 to C1 and the Unicode separators.
        ("six\nrequests", .pip, .controlCharacter("\n")), ("six\u{0}", .pip, .controlCharacter("\u{0}")),
        ("six\u{7F}", .npm, .controlCharacter("\u{7F}")), ("six\u{85}", .pip, .controlCharacter("\u{85}")),
        ("six\u{2028}", .npm, .controlCharacter("\u{2028}")), ("\u{1B}[2Jsix", .pip, .controlCharacter("\u{1B}")),
        // Shell metacharacters; `<` and `>` only for npm (pip ranges use them).
        ("six; rm -rf /", .pip, .metacharacter(";")), ("six && id", .pip, .metacharacter("&")),
        ("six | sh", .npm, .metacharacter("|")), ("$(id)", .pip, .metacharacter("$")),
        ("`id`", .npm, .metacharacter("`")),
        ("a'b", .pip, .metacharacter("'")), ("a\"b", .pip, .metacharacter("\"")), ("a\\b", .npm, .metacharacter("\\")),
        ("six; python_version<'3'", .pip, .metacharacter(";")), ("react@>=18", .npm, .metacharacter(">")),
        ("x@<2", .npm, .metacharacter("<")),
        // Option injection.
        ("-e", .pip, .option), ("--index-url=http://127.0.0.1:9/simple", .pip, .option), ("-", .pip, .option),
        ("--registry=x", .npm, .option), ("-r", .pip, .option), ("-six", .pip, .option),
        // URLs, VCS and aliases.
        ("git+https://example.invalid/x.git", .pip, .url), ("https://example.invalid/x.whl", .pip, .url),
        ("http://127.0.0.1/x.tgz", .npm, .url), ("pkg @ https://example.invalid/p.whl", .pip, .url),
        ("pkg@ https://example.invalid/p.whl", .pip, .url), ("github:a/b", .npm, .url), ("evil@npm:other", .npm, .url),
        ("jsr:@std/path", .npm, .url), ("ssh://git@x/y", .npm, .url), ("hg+http://x", .pip, .url),
        ("someone/repo", .npm, .repositoryShorthand), ("@scope/name/extra", .npm, .repositoryShorthand),
        // Paths: absolute (even under /workspace), `..` anywhere, `~`, `file:` URLs.
        ("file:/etc/passwd", .pip, .outsideWorkspace), ("file:../../x", .pip, .outsideWorkspace),
        ("/abs/pkg", .pip, .outsideWorkspace), ("/workspace/a.whl", .pip, .outsideWorkspace),
        ("file:///workspace/a.whl", .npm, .outsideWorkspace), ("file://host/x", .npm, .outsideWorkspace),
        ("../other/x.whl", .pip, .outsideWorkspace), ("./a/../b", .pip, .outsideWorkspace),
        ("./a/../../b", .npm, .outsideWorkspace), ("..", .pip, .outsideWorkspace), ("~/x", .pip, .outsideWorkspace),
        ("~user", .npm, .outsideWorkspace), ("~", .pip, .outsideWorkspace), ("file:~/x", .npm, .outsideWorkspace),
        // Grammar.
        ("bad name", .pip, .whitespace), ("six==1.0 extra", .pip, .whitespace),
        ("_six", .pip, .pipName), ("six-", .pip, .pipName), ("%2e%2e", .pip, .pipName), ("é", .pip, .pipName),
        ("pkg[a b]", .pip, .whitespace), ("pkg[a;b]", .pip, .metacharacter(";")), ("pkg[a", .pip, .extras),
        ("pkg[a/b]", .pip, .extras),
        ("six@1.0", .pip, .pipVersion), ("six==1.0/x", .pip, .pipVersion),
        ("@scope", .npm, .npmScope), ("@/x", .npm, .npmScope), ("_x", .npm, .npmName), ("@s/.x", .npm, .npmName),
        ("x@", .npm, .npmVersion), ("x@1.0#y", .npm, .npmVersion), ("x:y", .npm, .unexpected(":")),
    ]

    @Test(arguments: refusedCases)
    func refused(_ spec: String, _ style: PackageSpec.Style, _ reason: Reason) {
        do {
            let s = try PackageSpec(spec, style: style, allowURLs: false)
            Issue.record("accepted \(spec.debugDescription) as \(s.kind)")
        } catch {
            #expect(error.reason == reason, "\(spec.debugDescription)")
        }
    }

    /// URLs pass with `allowURLs`; local paths stay inside the workspace whatever it says.
    @Test func allowURLsOpensURLsButNotPaths() throws {
        #expect(try PackageSpec("git+https://example.invalid/x.git", style: .pip, allowURLs: true).kind == .url)
        #expect(try PackageSpec("pkg @ https://example.invalid/p.whl", style: .pip, allowURLs: true).kind == .url)
        for bad in ["file:/opt/wheels/x.whl", "/etc/passwd", "~/x", "../x"] {
            #expect(throws: PackageSpecError.self, "\(bad)") { try PackageSpec(bad, style: .pip, allowURLs: true) }
        }
        #expect(throws: PackageSpecError.self) { try PackageSpec("-e", style: .pip, allowURLs: true) }
        #expect(throws: PackageSpecError.self) { try PackageSpec("x; id", style: .pip, allowURLs: true) }
    }

    @Test func managersMapToTheirGrammar() {
        for m in ["pip", "PIP3", "python", "uv", "poetry"] { #expect(PackageSpec.Style(manager: m) == .pip, "\(m)") }
        for m in ["npm", "bun", "deno", "yarn", "pnpm", "other"] {
            #expect(PackageSpec.Style(manager: m) == .npm, "\(m)")
        }
    }

    @Test(arguments: [
        ("python_version < \"3.12\"", true), ("sys_platform == 'linux' and extra == \"x\"", true),
        ("python_version < \"3\"; rm -rf /", false), ("os_name == `id`", false), ("x == $(id)", false),
    ])
    func environmentMarkers(_ marker: String, _ ok: Bool) {
        #expect(PackageSpec.isMarker(Substring(marker)) == ok)
    }

    /// Messages quote at most 60 characters of the spec and never echo a control character.
    @Test func messagesNameTheProblemAndAreSafeToShow() {
        func message(_ s: String, _ style: PackageSpec.Style = .pip) -> String {
            do { _ = try PackageSpec(s, style: style, allowURLs: false); return "" } catch { return error.message }
        }
        #expect(message("-e").contains("is an option, not a package name"))
        #expect(message("six\nrequests").contains("a newline") && !message("six\nrequests").contains("\n"))
        #expect(message("x\u{1B}[2J").contains("\"x?[2J\" contains a control character"))
        #expect(message("git+https://example.invalid/x").contains("URL or repository"))
        #expect(message("someone/repo", .npm).contains("repository shorthand"))
        #expect(message("file:/etc/passwd").contains("outside the workspace"))
        #expect(message("six@1.0").contains("version specifier"))
        #expect(message("").contains("empty"))
        #expect(
            message(String(repeating: "a", count: 100) + ";").contains("\"" + String(repeating: "a", count: 60) + "\""))
    }
}
