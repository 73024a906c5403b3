/// `{source}`, `{dir}` and `{workspace}` in a manifest argv (docs/runtimes.md, "Placeholders"). Each element
/// is substituted as text, never split: an argv stays an argv.
struct Placeholders: Sendable, Equatable {
    /// The build directory inside the sandbox (under /build).
    var dir: String
    var sourceName: String
    var workspace = "/workspace"

    var source: String { dir + "/" + sourceName }

    func apply(_ argv: [String]) -> [String] {
        argv.map { a in
            a.replacingOccurrences("{source}", source).replacingOccurrences("{dir}", dir)
                .replacingOccurrences("{workspace}", workspace)
        }
    }
}

extension String {
    /// Plain substring replacement (FoundationEssentials-free).
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
