/// Applies one file's hunks to its lines. Context must match exactly (no fuzz); a hunk may land at an
/// offset from its stated line, as `patch` allows, searching outward from the stated position.
public enum PatchApplier: Sendable {
    public static func apply(_ hunks: [UnifiedPatch.Hunk], to old: [String], file: String) throws(WorkspaceError)
        -> [String]
    {
        var result: [String] = []
        var pos = 0
        for (n, hunk) in hunks.enumerated() {
            let want = hunk.oldLines
            let stated = max(0, hunk.oldCount == 0 ? hunk.oldStart : hunk.oldStart - 1)
            guard let at = locate(want, in: old, from: pos, near: stated) else {
                throw WorkspaceError(
                    .patchFailed,
                    "Hunk #\(n + 1) (\(hunk.header)) does not apply to \(file): its context or removed lines do not match"
                )
            }
            result += old[pos..<at]
            result += hunk.newLines
            pos = at + want.count
        }
        result += old[pos...]
        return result
    }

    /// The match position closest to `near`, not before `from`.
    static func locate(_ want: [String], in lines: [String], from: Int, near: Int) -> Int? {
        let last = lines.count - want.count
        guard last >= from else { return nil }
        let start = min(max(near, from), last)
        func matches(_ p: Int) -> Bool {
            for i in 0..<want.count where lines[p + i] != want[i] { return false }
            return true
        }
        var delta = 0
        while start - delta >= from || start + delta <= last {
            if start + delta <= last && matches(start + delta) { return start + delta }
            if delta > 0 && start - delta >= from && matches(start - delta) { return start - delta }
            delta += 1
        }
        return nil
    }
}
