/// The manifests of all directories merged by name (later directories win), plus the files that failed.
/// A broken file whose name (`<name>.json`) matches a language makes that language unavailable with the reason,
/// even over a good manifest of an earlier directory: the operator's latest word was broken.
struct ManifestSet: Sendable, Equatable {
    enum Entry: Sendable, Equatable {
        case ok(Manifest)
        case broken(name: String, error: ManifestError)

        var name: String {
            switch self {
            case .ok(let m): m.name
            case .broken(let name, _): name
            }
        }
    }

    /// In first-seen order.
    var entries: [Entry] = []

    struct File: Sendable {
        var path: String
        var text: Result<String, ManifestError>
    }

    /// `files`: every `*.json` found, in directory order then name order.
    static func merge(_ files: [File]) -> ManifestSet {
        var set = ManifestSet()
        for f in files {
            let entry: Entry
            do throws(ManifestError) {
                entry = .ok(try ManifestParser.parse(text: f.text.get(), file: f.path))
            } catch {
                entry = .broken(name: fileStem(f.path), error: error)
            }
            set.put(entry)
        }
        return set
    }

    mutating func put(_ e: Entry) {
        if let i = entries.firstIndex(where: { $0.name == e.name }) { entries[i] = e } else { entries.append(e) }
    }

    /// `/a/b/ruby.json` -> `ruby` (a broken file's language is named by its file).
    static func fileStem(_ path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.hasSuffix(".json") ? String(base.dropLast(5)) : base
    }
}
