import Glibc

/// Finds the fork-bomb shape whatever the function is called: a shell function whose body pipes the
/// function into itself (`:(){ :|:& };:`, `.(){.|.&};.`, `bomb() { bomb | bomb & }; bomb`), or
/// starts itself in the background more than once (`f(){ f & f & }`), in either definition syntax
/// (`name() {` or `function name {`). Input is normalized text (see `BlockedPatterns.normalize`).
enum ForkBombDetector {
    static func matches(normalized text: [UInt8]) -> Bool {
        // Every shape needs a brace and a pipe or ampersand; most code is ruled out by one pass.
        let hasBrace = text.withUnsafeBytes { $0.baseAddress.map { memchr($0, 0x7B, text.count) != nil } ?? false }
        guard hasBrace, text.contains(where: { $0 == 0x7C || $0 == 0x26 }) else { return false }
        let c = compact(text)
        guard c.count >= 6 else { return false }
        // Hostile input (thousands of unterminated `f(){`) must not make this quadratic: bodies are read
        // for at most `maxBody` bytes and at most `maxCandidates` definitions are examined.
        var candidates = 0
        var i = 0
        while i < c.count && candidates < maxCandidates {
            // `name(){` form.
            if c[i] == UInt8(ascii: "("), i + 2 < c.count, c[i + 1] == UInt8(ascii: ")"), c[i + 2] == UInt8(ascii: "{")
            {
                var start = i
                while start > 0 && isNameByte(c[start - 1]) { start -= 1 }
                if start < i {
                    candidates += 1
                    if isBomb(name: Array(c[start..<i]), bodyFrom: i + 3, in: c) { return true }
                }
            }
            // `function name {` form (the space after `function` survives compaction).
            if c[i] == UInt8(ascii: "f"), c[i...].starts(with: "function ".utf8), i == 0 || !isNameByte(c[i - 1]) {
                var end = i + 9
                let start = end
                while end < c.count && isNameByte(c[end]) { end += 1 }
                if end > start, end < c.count,
                    c[end] == UInt8(ascii: "{")
                        || (end + 2 < c.count && c[end] == UInt8(ascii: "(") && c[end + 1] == UInt8(ascii: ")")
                            && c[end + 2] == UInt8(ascii: "{"))
                {
                    let bodyFrom = c[end] == UInt8(ascii: "{") ? end + 1 : end + 3
                    candidates += 1
                    if isBomb(name: Array(c[start..<end]), bodyFrom: bodyFrom, in: c) { return true }
                }
            }
            i += 1
        }
        return false
    }

    static let maxBody = 512
    static let maxCandidates = 2000

    /// Bytes that can be part of a shell function name (anything but whitespace and shell syntax).
    @inline(__always) static func isNameByte(_ b: UInt8) -> Bool { nameTable[Int(b)] }

    private static let nameTable: [Bool] = (0..<256).map { b in
        b > 0x20 && b != 0x7F && !"(){}|&;<>'\"`$=\\".utf8.contains(UInt8(b))
    }
    private static let punctTable: [Bool] = (0..<256).map { b in "(){}|&;".utf8.contains(UInt8(b)) }

    /// Drops whitespace next to shell punctuation so `bomb() { bomb | bomb & }` reads `bomb(){bomb|bomb&}`.
    static func compact(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for k in text.indices {
            let b = text[k]
            if b == 0x20 {
                guard let prev = out.last, k + 1 < text.count else { continue }
                if punctTable[Int(prev)] || punctTable[Int(text[k + 1])] { continue }
            }
            out.append(b)
        }
        return out
    }

    private static func isBomb(name: [UInt8], bodyFrom: Int, in c: [UInt8]) -> Bool {
        // The body runs to the matching brace.
        var depth = 1, end = bodyFrom
        let limit = min(c.count, bodyFrom + maxBody)
        while end < limit && depth > 0 {
            if c[end] == UInt8(ascii: "{") { depth += 1 } else if c[end] == UInt8(ascii: "}") { depth -= 1 }
            end += 1
        }
        let body = Array(c[bodyFrom..<(depth == 0 ? end - 1 : end)])
        let piped = name + [UInt8(ascii: "|")] + name
        if occurrences(of: piped, in: body) > 0 { return true }
        let backgrounded = name + [UInt8(ascii: "&")]
        return occurrences(of: backgrounded, in: body) >= 2
    }

    /// Occurrences of `needle` standing as its own word (not part of a longer name).
    private static func occurrences(of needle: [UInt8], in hay: [UInt8]) -> Int {
        guard !needle.isEmpty, needle.count <= hay.count else { return 0 }
        var n = 0, i = 0
        while i + needle.count <= hay.count {
            if hay[i..<(i + needle.count)].elementsEqual(needle),
                i == 0 || !isNameByte(hay[i - 1]),
                i + needle.count == hay.count || !isNameByte(hay[i + needle.count]) || !isNameByte(needle.last!)
            {
                n += 1
                i += needle.count
            } else {
                i += 1
            }
        }
        return n
    }
}
