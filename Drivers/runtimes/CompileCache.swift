/// A session's compiled programs, keyed by what decides the output: the source bytes, the compile argv and the
/// toolchain version. A hit compares the stored key material in full (the hash only picks the directory) and
/// the build directory's listing as it was right after the compile, so a run that changed or removed its
/// outputs gets a fresh compile, never a stale or tampered one.
struct CompileCache: Sendable {
    struct Key: Sendable, Equatable {
        var source: [UInt8]
        var argv: [String]
        var toolchain: String

        /// FNV-1a 64 over the material with separators; picks a directory name, never decides a hit.
        var hash: UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            func eat(_ bytes: some Sequence<UInt8>) {
                for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
                h = (h ^ 0xFF) &* 0x100_0000_01b3
            }
            eat(source)
            for a in argv { eat(a.utf8) }
            eat(toolchain.utf8)
            return h
        }
    }

    struct Entry: Sendable, Equatable {
        var key: Key
        /// Subdirectory name under the session's build directory.
        var dirName: String
        /// The directory's listing after the compile (see `DirectoryListing`); nil until compiled.
        var listing: [String]?
    }

    private(set) var entries: [Entry] = []
    /// Entries kept per session; the oldest is dropped (and its directory removed by the caller) beyond it.
    var capacity = 32

    /// The compiled entry for `key` whose outputs still look as they did, or nil.
    func hit(_ key: Key, listing: (String) -> [String]) -> Entry? {
        guard let e = entries.first(where: { $0.key == key }), let l = e.listing else { return nil }
        return listing(e.dirName) == l ? e : nil
    }

    /// Where `key` compiles: its existing directory, or a new name (the hash, plus a counter on a collision).
    func directory(for key: Key) -> String {
        if let e = entries.first(where: { $0.key == key }) { return e.dirName }
        let base = "k" + String(key.hash, radix: 16)
        let taken = Set(entries.map(\.dirName))
        var n = 0
        while taken.contains(n == 0 ? base : "\(base)-\(n)") { n += 1 }
        return n == 0 ? base : "\(base)-\(n)"
    }

    /// Records a successful compile; returns directories to remove (an evicted entry's).
    mutating func store(_ key: Key, dirName: String, listing: [String]) -> [String] {
        entries.removeAll { $0.key == key || $0.dirName == dirName }
        entries.append(Entry(key: key, dirName: dirName, listing: listing))
        var evicted: [String] = []
        while entries.count > capacity { evicted.append(entries.removeFirst().dirName) }
        return evicted
    }

    /// Forgets `key` (a failed compile leaves nothing to reuse).
    mutating func forget(_ key: Key) { entries.removeAll { $0.key == key } }
}
