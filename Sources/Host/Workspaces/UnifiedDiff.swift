/// Formats a line diff as a unified diff (`diff -u` / `git diff` text) that `UnifiedPatch` reads back.
public enum UnifiedDiff: Sendable {
    public struct Stats: Sendable, Equatable {
        public var additions = 0
        public var deletions = 0
        public init(additions: Int = 0, deletions: Int = 0) { self.additions = additions; self.deletions = deletions }
    }

    /// Empty string when the texts are equal. `oldName`/`newName` go into the `---`/`+++` headers
    /// (`/dev/null` for a created or deleted file).
    ///
    /// Throws when computing the diff would take more than `maxSteps` (see `LineDiff`).
    public static func make(
        old: String, new: String, oldName: String, newName: String, context: Int = 3,
        maxSteps: Int = .max
    ) throws(LineDiff.BudgetExceeded) -> (text: String, stats: Stats) {
        let a = LineDiff.lines(old), b = LineDiff.lines(new)
        let edits = try LineDiff.diff(a, b, maxSteps: maxSteps)
        var stats = Stats()
        let changed = edits.indices.filter { edits[$0].op != .equal }
        if changed.isEmpty { return ("", stats) }

        // Group changes whose context windows touch into hunks: ranges of edit indexes.
        var groups: [ClosedRange<Int>] = []
        var start = max(0, changed[0] - context), end = min(edits.count - 1, changed[0] + context)
        for i in changed.dropFirst() {
            if i - context <= end + 1 {
                end = min(edits.count - 1, i + context)
            } else {
                groups.append(start...end)
                start = max(0, i - context); end = min(edits.count - 1, i + context)
            }
        }
        groups.append(start...end)

        var out = "--- \(oldName)\n+++ \(newName)\n"
        for g in groups {
            var oldCount = 0, newCount = 0
            var body = ""
            for e in edits[g] {
                switch e.op {
                case .equal: oldCount += 1; newCount += 1; body += line(" ", a[e.old])
                case .delete: oldCount += 1; stats.deletions += 1; body += line("-", a[e.old])
                case .insert: newCount += 1; stats.additions += 1; body += line("+", b[e.new])
                }
            }
            let first = edits[g.lowerBound]
            // By convention an empty side names the line before it (0 at the top of the file).
            let oldStart = oldCount == 0 ? first.old : first.old + 1
            let newStart = newCount == 0 ? first.new : first.new + 1
            out += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n" + body
        }
        return (out, stats)
    }

    static func range(_ start: Int, _ count: Int) -> String { count == 1 ? "\(start)" : "\(start),\(count)" }

    static func line(_ prefix: String, _ text: String) -> String {
        text.hasSuffix("\n") ? prefix + text : prefix + text + "\n\\ No newline at end of file\n"
    }
}
