import Glibc

/// Case-insensitive, whitespace-normalized matching of the configured blocked patterns, plus a
/// structural check for recursive `rm` of `/` in any flag spelling. This is a courtesy that stops honest
/// mistakes and the most common copy-pasted attacks; it is trivially bypassed (quotes, variables,
/// encodings), so the sandbox, not this list, is the defence.
/// Searching jumps between candidate first bytes with glibc's vectorized `memchr`.
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
        input.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: src.count) { dst, count in
                lowerTable.withUnsafeBufferPointer { lower in
                    var n = 0
                    var pendingSpace = false
                    for b in src {
                        let l = lower[Int(b)]
                        if l == 0xFF { pendingSpace = n > 0; continue }
                        if pendingSpace { dst[n] = 0x20; n += 1; pendingSpace = false }
                        dst[n] = l; n += 1
                    }
                    count = n
                }
            }
        }
    }

    /// Byte → its ASCII lower case, whitespace → 0xFF (a byte valid UTF-8, and so a Swift String, never contains).
    private static let lowerTable: [UInt8] = (0..<256).map { (b: Int) -> UInt8 in
        if b == 0x20 || (b >= 0x09 && b <= 0x0D) { return 0xFF }
        if b >= 0x41 && b <= 0x5A { return UInt8(b | 0x20) }
        return UInt8(b)
    }

    /// Bytes by how common they are in code, most common first; the search anchors on a pattern's rarest
    /// byte so `memchr` skips far (a byte not listed counts as rarest).
    private static let commonness: [Int] = {
        var rank = Array(repeating: Int.max, count: 256)
        for (i, b) in " etaoinsrlhdcupmfgy.,()='\"_:-bwvkx/;[]{}0123456789".utf8.enumerated() { rank[Int(b)] = i }
        return rank
    }()

    static func anchor(_ pattern: [UInt8]) -> Int {
        var best = 0
        for k in pattern.indices where commonness[Int(pattern[k])] >= commonness[Int(pattern[best])] { best = k }
        return best
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
    @inline(__always) static func isWord(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80
    }

    /// Substring search with word boundaries where the pattern starts or ends with a word character,
    /// so "sudo" does not fire on "pseudo" and "rm -rf /" does not fire on "rm -rf /tmp/x".
    static func contains(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        let n = text.count, m = pattern.count
        guard m > 0, n >= m else { return false }
        let needsLead = isWord(pattern[0])
        let last = pattern[m - 1]
        let needsTrail = isWord(last) || last == UInt8(ascii: "/")
        return text.withUnsafeBytes { t in
            pattern.withUnsafeBytes { p in
                let k = anchor(pattern)
                let end = n - m + k + 1  // the anchor of the last possible match is before this
                var from = k
                while from < end, let hit = memchr(t.baseAddress! + from, Int32(pattern[k]), end - from) {
                    let a = t.baseAddress!.distance(to: UnsafeRawPointer(hit))
                    let i = a - k
                    if memcmp(t.baseAddress! + i, p.baseAddress!, m) != 0 { from = a + 1; continue }
                    let leadOK = !needsLead || i == 0 || !isWord(t[i - 1])
                    let trailOK =
                        !needsTrail || i + m == n
                        || !(isWord(t[i + m]) || t[i + m] == UInt8(ascii: ".") || t[i + m] == UInt8(ascii: "-"))
                    if leadOK && trailOK { return true }
                    from = a + 1
                }
                return false
            }
        }
    }

    /// `rm` followed, before the end of the command, by a recursive flag and the operand `/` or `/*`.
    static func hasRecursiveRmOfRoot(_ text: [UInt8]) -> Bool {
        guard contains(text, Array("rm".utf8)) else { return false }  // cheap pre-filter: "rm" as a word
        let words = text.split(separator: 0x20, omittingEmptySubsequences: true)
        var i = 0
        while i < words.count {
            defer { i += 1 }
            guard words[i].elementsEqual("rm".utf8) || words[i].elementsEqual("/bin/rm".utf8) else { continue }
            if i > 0, let prev = words[i - 1].last,
                isWord(prev)
                    && !["sudo", "then", "do", "exec", "command", "xargs", "nohup"].contains(where: {
                        words[i - 1].elementsEqual($0.utf8)
                    })
            {
                continue  // "rm" used as an argument of something else ("git rm", "alias rm")
            }
            var recursive = false
            var j = i + 1
            while j < words.count && j < i + 12 {
                var w = Array(words[j])
                let ends =
                    w.last.map { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "|") }
                    ?? false
                if ends { w.removeLast() }
                if w.first == UInt8(ascii: "-") {
                    if w.elementsEqual("--recursive".utf8) {
                        recursive = true
                    } else if w.count > 1 && w[1] != UInt8(ascii: "-") && w.contains(UInt8(ascii: "r")) {
                        recursive = true
                    }
                } else if recursive && (w.elementsEqual("/".utf8) || w.elementsEqual("/*".utf8)) {
                    return true
                }
                if ends || w.contains(UInt8(ascii: ";")) || w.contains(UInt8(ascii: "|"))
                    || w.contains(UInt8(ascii: "&"))
                {
                    break
                }
                j += 1
            }
        }
        return false
    }
}
