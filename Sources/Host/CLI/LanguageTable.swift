public import DriverProtocol

/// Reads `language.list`'s table: which language a file extension means, and what to say when none does.
public enum LanguageTable: Sendable {
    /// The first available language that declares `ext` (".py" or "py", case-insensitive).
    public static func language(forExtension ext: String, in table: [JSONValue]) -> String? {
        let want = (ext.hasPrefix(".") ? ext : "." + ext).lowercased()
        for entry in table where entry["available"]?.bool != false {
            let exts = entry["extensions"]?.array?.compactMap { $0.string?.lowercased() } ?? []
            if exts.contains(want) || exts.contains(String(want.dropFirst())) { return entry["name"]?.string }
        }
        return nil
    }

    /// The extension of a path's last component, with its dot (".py"), or nil.
    public static func fileExtension(_ path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return String(name[dot...])
    }

    static func missing(_ what: String, byExtension: Bool, in table: [JSONValue]) -> String {
        let names = table.filter { $0["available"]?.bool != false }.compactMap { $0["name"]?.string }.sorted()
        let installed = names.isEmpty ? "none" : names.joined(separator: ", ")
        return byExtension
            ? "no installed language runs \(what) files (installed: \(installed)); pick one with -l LANGUAGE"
            : "no runtime ready for language '\(what)' (installed: \(installed))"
    }
}
