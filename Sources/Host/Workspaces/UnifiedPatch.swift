/// A parsed unified diff: one or more files, each with hunks. Accepts `diff -u` and `git diff` output
/// (the `diff --git`/`index`/mode lines are skipped; `a/` and `b/` prefixes are stripped).
public struct UnifiedPatch: Sendable, Equatable {
    public struct Hunk: Sendable, Equatable {
        public var oldStart: Int, oldCount: Int, newStart: Int, newCount: Int
        /// Each line with its kind: " " context, "-" removed, "+" added. Texts keep their "\n" unless the
        /// patch said "\ No newline at end of file".
        public var lines: [(kind: Character, text: String)]
        public var header: String
        public static func == (l: Hunk, r: Hunk) -> Bool {
            l.header == r.header && l.lines.map(\.kind) == r.lines.map(\.kind)
                && l.lines.map(\.text) == r.lines.map(\.text)
        }
        public var oldLines: [String] { lines.filter { $0.kind != "+" }.map(\.text) }
        public var newLines: [String] { lines.filter { $0.kind != "-" }.map(\.text) }
    }

    public struct File: Sendable, Equatable {
        /// nil for /dev/null (the file is created).
        public var oldPath: String?
        /// nil for /dev/null (the file is deleted).
        public var newPath: String?
        public var hunks: [Hunk]
    }

    public var files: [File]

    public init(parsing text: String) throws(WorkspaceError) {
        let lines = LineDiff.lines(text)
        var files: [File] = []
        var i = 0
        while i < lines.count {
            guard lines[i].hasPrefix("--- "), i + 1 < lines.count, lines[i + 1].hasPrefix("+++ ") else {
                i += 1; continue
            }
            var old = Self.pathName(lines[i]), new = Self.pathName(lines[i + 1])
            if (old == nil || old!.hasPrefix("a/")) && (new == nil || new!.hasPrefix("b/")) {
                old = old.map { String($0.dropFirst(2)) }; new = new.map { String($0.dropFirst(2)) }
            }
            i += 2
            var hunks: [Hunk] = []
            while i < lines.count, lines[i].hasPrefix("@@") {
                var hunk = try Self.header(lines[i], file: new ?? old ?? "?")
                i += 1
                var oldLeft = hunk.oldCount, newLeft = hunk.newCount
                while i < lines.count && (oldLeft > 0 || newLeft > 0) {
                    var l = lines[i]
                    if l.hasPrefix("\\") { i += 1; continue }
                    if l == "\n" || l.isEmpty { l = " \n" }  // context line whose single space was stripped
                    let kind = l.first!
                    let body = String(l.dropFirst())
                    switch kind {
                    case " ": oldLeft -= 1; newLeft -= 1
                    case "-": oldLeft -= 1
                    case "+": newLeft -= 1
                    default:
                        throw WorkspaceError(
                            .patchFailed,
                            "Malformed patch: unexpected line in \(hunk.header) of \(new ?? old ?? "?"): \(l.prefix(60))"
                        )
                    }
                    if oldLeft < 0 || newLeft < 0 {
                        throw WorkspaceError(
                            .patchFailed, "Malformed patch: \(hunk.header) has more lines than its header says")
                    }
                    hunk.lines.append((kind, body))
                    i += 1
                    if i < lines.count, lines[i].hasPrefix("\\"), let last = hunk.lines.popLast() {
                        hunk.lines.append(
                            (last.kind, last.text.hasSuffix("\n") ? String(last.text.dropLast()) : last.text))
                        i += 1
                    }
                }
                if oldLeft > 0 || newLeft > 0 {
                    throw WorkspaceError(.patchFailed, "Malformed patch: \(hunk.header) is cut short")
                }
                hunks.append(hunk)
            }
            if old == nil && new == nil {
                throw WorkspaceError(.patchFailed, "Malformed patch: both sides are /dev/null")
            }
            files.append(File(oldPath: old, newPath: new, hunks: hunks))
        }
        if files.isEmpty { throw WorkspaceError(.patchFailed, "Malformed patch: no ---/+++ file headers found") }
        self.files = files
    }

    /// `--- a/x.py\t2024-01-01 ...` → `a/x.py`; `/dev/null` → nil.
    static func pathName(_ line: String) -> String? {
        var s = line.dropFirst(4)
        if let tab = s.firstIndex(of: "\t") { s = s[..<tab] }
        while let last = s.last, last == "\n" || last == "\r" || last == " " { s = s.dropLast() }
        return s == "/dev/null" ? nil : String(s)
    }

    static func header(_ line: String, file: String) throws(WorkspaceError) -> Hunk {
        // @@ -l[,s] +l[,s] @@ optional section
        let trimmed = line.hasSuffix("\n") ? String(line.dropLast()) : line
        let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        func parse(_ p: Substring?, _ sign: Character) -> (Int, Int)? {
            guard let p, p.first == sign else { return nil }
            let nums = p.dropFirst().split(separator: ",", omittingEmptySubsequences: false)
            guard let start = Int(nums[0]), nums.count <= 2 else { return nil }
            let count = nums.count == 2 ? Int(nums[1]) : 1
            guard let count, start >= 0, count >= 0 else { return nil }
            return (start, count)
        }
        guard parts.count >= 3, parts[0] == "@@", let o = parse(parts[1], "-"), let n = parse(parts[2], "+") else {
            throw WorkspaceError(.patchFailed, "Malformed patch: bad hunk header in \(file): \(trimmed.prefix(80))")
        }
        let header = "@@ -\(UnifiedDiff.range(o.0, o.1)) +\(UnifiedDiff.range(n.0, n.1)) @@"
        return Hunk(oldStart: o.0, oldCount: o.1, newStart: n.0, newCount: n.1, lines: [], header: header)
    }
}
