/// Case-insensitive, whitespace-normalized matching of the configured blocked patterns, plus a
/// structural check for recursive `rm` of `/` in any flag spelling. This is a courtesy that stops honest
/// mistakes and the most common copy-pasted attacks; it is trivially bypassed (quotes, variables,
/// encodings), so the sandbox, not this list, is the defence.
struct BlockedPatterns: Sendable {
    private let patterns: [(original: String, bytes: [UInt8])]

    init(_ patterns: [String]) {
        self.patterns = patterns.compactMap { p in
            let n = Self.normalize(Array(p.utf8))
            return n.isEmpty ? nil : (p, n)
        }
    }

    /// The first pattern found in already-normalized text, or nil.
    func firstMatch(inNormalized text: [UInt8]) -> String? {
        for p in patterns where Self.contains(text, p.bytes) { return p.original }
        if Self.hasRecursiveRmOfRoot(text) { return "rm -r /" }
        return nil
    }

    /// ASCII lower-case, every run of whitespace collapsed to one space, trimmed.
    static func normalize(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var pendingSpace = false
        for var b in input {
            if isSpace(b) { pendingSpace = !out.isEmpty; continue }
            if pendingSpace { out.append(0x20); pendingSpace = false }
            if b >= 0x41 && b <= 0x5A { b += 0x20 }
            out.append(b)
        }
        return out
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
    static func isWord(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80
    }

    /// Substring search with word boundaries where the pattern starts or ends with a word character,
    /// so "sudo" does not fire on "pseudo" and "rm -rf /" does not fire on "rm -rf /tmp/x".
    static func contains(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        let n = text.count, m = pattern.count
        guard m > 0, n >= m else { return false }
        let first = pattern[0], last = pattern[m - 1]
        let needsLead = isWord(first)
        let needsTrail = isWord(last) || last == UInt8(ascii: "/")
        var i = 0
        while i <= n - m {
            if text[i] == first && (m == 1 || text[i + m - 1] == last) {
                var j = 1
                while j < m && text[i + j] == pattern[j] { j += 1 }
                if j == m {
                    let leadOK = !needsLead || i == 0 || !isWord(text[i - 1])
                    let trailOK = !needsTrail || i + m == n || !(isWord(text[i + m]) || text[i + m] == UInt8(ascii: ".") || text[i + m] == UInt8(ascii: "-"))
                    if leadOK && trailOK { return true }
                }
            }
            i += 1
        }
        return false
    }

    /// `rm` followed, before the end of the command, by a recursive flag and the operand `/` or `/*`.
    static func hasRecursiveRmOfRoot(_ text: [UInt8]) -> Bool {
        let words = text.split(separator: 0x20, omittingEmptySubsequences: true)
        var i = 0
        while i < words.count {
            defer { i += 1 }
            guard words[i].elementsEqual("rm".utf8) || words[i].elementsEqual("/bin/rm".utf8) else { continue }
            if i > 0, let prev = words[i - 1].last, isWord(prev) && !["sudo", "then", "do", "exec", "command", "xargs", "nohup"].contains(where: { words[i - 1].elementsEqual($0.utf8) }) {
                continue  // "rm" used as an argument of something else ("git rm", "alias rm")
            }
            var recursive = false
            var j = i + 1
            while j < words.count && j < i + 12 {
                var w = Array(words[j])
                let ends = w.last.map { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "|") } ?? false
                if ends { w.removeLast() }
                if w.first == UInt8(ascii: "-") {
                    if w.elementsEqual("--recursive".utf8) { recursive = true }
                    else if w.count > 1 && w[1] != UInt8(ascii: "-") && w.contains(UInt8(ascii: "r")) { recursive = true }
                } else if recursive && (w.elementsEqual("/".utf8) || w.elementsEqual("/*".utf8)) {
                    return true
                }
                if ends || w.contains(UInt8(ascii: ";")) || w.contains(UInt8(ascii: "|")) || w.contains(UInt8(ascii: "&")) { break }
                j += 1
            }
        }
        return false
    }
}
