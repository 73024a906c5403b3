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

    /// `running`: name to executable path of the drivers the registry has now.
    public static func diff(running: [String: String], found: [DriverDiscovery.Found]) -> DriverRescan {
        var r = DriverRescan()
        let foundByName = Dictionary(found.map { ($0.name, $0) }) { a, _ in a }
        for (name, path) in running.sorted(by: { $0.key < $1.key }) where foundByName[name]?.path != path {
            r.removed.append(name)
        }
        for f in found.sorted(by: { $0.name < $1.name }) where running[f.name] != f.path {
            r.added.append(f)
        }
        return r
    }
}
