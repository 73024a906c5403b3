/// Myers' O((N+M)D) line diff. Lines keep their "\n" so a missing final newline is a real difference.
/// Common prefix and suffix are trimmed first; if the remaining edit distance exceeds `maxEditDistance`
/// the middle is reported as "delete all, insert all" — still a correct diff, just not a minimal one,
/// and it bounds memory (the trace is O(D²)).
///
/// Time is bounded separately by `maxSteps`: every diagonal visited and every line compared along a snake
/// is one step. O((N+M)D) with N+M in the millions and D in the thousands is billions of steps (crafted
/// files with a distinct line every few thousand identical ones get exactly that), so past the budget the
/// diff stops with `BudgetExceeded` instead of holding a thread for minutes.
public enum LineDiff: Sendable {
    public struct BudgetExceeded: Error, Sendable, Equatable {
        public var steps: Int
    }

    public enum Op: Sendable, Equatable { case equal, delete, insert }
    /// One step of the edit script; `old`/`new` are 0-based line indexes (the one not used by the op is the
    /// position in the other file at that point).
    public struct Edit: Sendable, Equatable {
        public var op: Op
        public var old: Int
        public var new: Int
    }

    /// Splits text into lines, each keeping its "\n"; the last one may lack it.
    public static func lines(_ text: String) -> [String] {
        var out: [String] = []
        let u = text.utf8
        var start = u.startIndex
        var i = start
        while i != u.endIndex {
            let next = u.index(after: i)
            if u[i] == 10 { out.append(String(text[start..<next])); start = next }
            i = next
        }
        if start != u.endIndex { out.append(String(text[start..<u.endIndex])) }
        return out
    }

    /// Lines `lines(text)` would return, counted without building them.
    public static func lineCount(_ text: String) -> Int {
        var n = 0
        var last: UInt8 = 10
        for b in text.utf8 { if b == 10 { n += 1 }; last = b }
        return last == 10 ? n : n + 1
    }

    /// Never gives up: for callers that bound their input themselves.
    public static func diff(_ a: [String], _ b: [String], maxEditDistance: Int = 2000) -> [Edit] {
        (try? diff(a, b, maxEditDistance: maxEditDistance, maxSteps: .max)) ?? []
    }

    public static func diff(
        _ a: [String], _ b: [String], maxEditDistance: Int = 2000,
        maxSteps: Int
    ) throws(BudgetExceeded) -> [Edit] {
        // Intern lines so the inner loop compares Ints.
        var ids: [String: Int] = [:]
        func intern(_ l: String) -> Int {
            if let v = ids[l] { return v }
            let v = ids.count
            ids[l] = v
            return v
        }
        let ax = a.map(intern), bx = b.map(intern)

        var prefix = 0
        while prefix < ax.count && prefix < bx.count && ax[prefix] == bx[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < ax.count - prefix && suffix < bx.count - prefix
            && ax[ax.count - 1 - suffix] == bx[bx.count - 1 - suffix]
        { suffix += 1 }

        var edits: [Edit] = (0..<prefix).map { Edit(op: .equal, old: $0, new: $0) }
        let am = Array(ax[prefix..<(ax.count - suffix)]), bm = Array(bx[prefix..<(bx.count - suffix)])
        if let middle = try myers(am, bm, limit: maxEditDistance, maxSteps: maxSteps) {
            edits += middle.map { Edit(op: $0.op, old: $0.old + prefix, new: $0.new + prefix) }
        } else {
            edits += (0..<am.count).map { Edit(op: .delete, old: prefix + $0, new: prefix) }
            edits += (0..<bm.count).map { Edit(op: .insert, old: prefix + am.count, new: prefix + $0) }
        }
        for i in 0..<suffix {
            edits.append(Edit(op: .equal, old: ax.count - suffix + i, new: bx.count - suffix + i))
        }
        return edits
    }

    /// Returns nil when the edit distance exceeds `limit`; throws after `maxSteps` steps.
    static func myers(_ a: [Int], _ b: [Int], limit: Int, maxSteps: Int) throws(BudgetExceeded) -> [Edit]? {
        let n = a.count, m = b.count
        if n == 0 && m == 0 { return [] }
        let maxD = min(n + m, limit)
        let off = maxD + 1
        var v = [Int](repeating: 0, count: 2 * maxD + 3)
        var trace: [[Int32]] = []
        var found = -1
        var steps = 0
        outer: for d in 0...maxD {
            trace.append(v[(off - d)...(off + d)].map { Int32($0) })
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1
                var y = x - k
                let x0 = x
                while x < n && y < m && a[x] == b[y] { x += 1; y += 1 }
                steps += 1 + (x - x0)
                if steps > maxSteps { throw BudgetExceeded(steps: maxSteps) }
                v[off + k] = x
                if x >= n && y >= m { found = d; break outer }
            }
        }
        if found < 0 { return nil }

        var out: [Edit] = []
        var x = n, y = m
        for d in stride(from: found, to: 0, by: -1) {
            let vd = trace[d]  // v before step d, indexed k + d
            func at(_ k: Int) -> Int { Int(vd[k + d]) }
            let k = x - y
            let prevK = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1
            let prevX = at(prevK), prevY = prevX - prevK
            while x > prevX && y > prevY { x -= 1; y -= 1; out.append(Edit(op: .equal, old: x, new: y)) }
            if x == prevX {
                y -= 1; out.append(Edit(op: .insert, old: x, new: y))
            } else {
                x -= 1; out.append(Edit(op: .delete, old: x, new: y))
            }
        }
        while x > 0 && y > 0 { x -= 1; y -= 1; out.append(Edit(op: .equal, old: x, new: y)) }
        return out.reversed()
    }
}
