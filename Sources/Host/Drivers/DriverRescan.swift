/// What changed between the drivers a registry runs and what a fresh scan of its directories found. Pure, so
/// the install/remove rules are unit-tested without processes: a new name starts, a vanished name stops, and a
/// name whose executable moved (a package now shadows another, or the shadowing one was removed) is replaced.
/// A binary upgraded in place keeps its path and is not restarted here (SIGHUP or a crash picks it up).
public struct DriverRescan: Sendable, Equatable {
    public var added: [DriverDiscovery.Found]
    public var removed: [String]

    public init(added: [DriverDiscovery.Found] = [], removed: [String] = []) {
        self.added = added
        self.removed = removed
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }

    /// `running`: name to executable path of the drivers the registry has now. `retry`: drivers to start afresh
    /// even though their executable did not change (SIGHUP retries the `unavailable` ones: their runtime, such as
    /// a deno binary, may have been installed since they started).
    public static func diff(
        running: [String: String], found: [DriverDiscovery.Found], retry: Set<String> = []
    ) -> DriverRescan {
        var r = DriverRescan()
        let foundByName = Dictionary(found.map { ($0.name, $0) }) { a, _ in a }
        func replaced(_ name: String) -> Bool { foundByName[name]?.path != running[name] || retry.contains(name) }
        for name in running.keys.sorted() where replaced(name) {
            r.removed.append(name)
        }
        for f in found.sorted(by: { $0.name < $1.name }) where running[f.name] == nil || replaced(f.name) {
            r.added.append(f)
        }
        return r
    }
}
