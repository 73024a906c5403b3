extension SessionCgroup {
    /// The directory name a session called `name` gets (ASCII letters, digits, '-' and '_'; others become '_').
    static func safeName(_ name: String) -> String {
        String(
            name.unicodeScalars.map {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_"
                    ? Character($0) : "_"
            })
    }

    /// Every directory a session cgroup called `name` has (or would have) under `layout`.
    static func directories(name: String, layout: CgroupLayout) -> [String] {
        let safe = safeName(name)
        switch layout {
        case .v1(let root): return ["memory", "pids", "cpu", "cpuacct"].map { "\(root)/\($0)/\(parent)/\(safe)" }
        case .v2(let root): return ["\(root)/\(parent)/\(safe)"]
        }
    }

    /// Kills every process of the session cgroup `name` and removes it, without a handle from `create`
    /// (a later process than the one that made it, e.g. `codebeaker-sandbox close`). Idempotent: a cgroup
    /// that is not there is already gone. False if one could not be removed within ~1 s (retried in the
    /// background only while this process lives).
    @discardableResult
    public static func destroy(name: String) -> Bool {
        guard let layout = CgroupLayout.detect() else { return true }
        var removed = true
        for d in directories(name: name, layout: layout) where !emptyAndRemove(d) { removed = false }
        return removed
    }
}
