import DriverProtocol

/// Strict reading of a manifest (docs/runtimes.md): unknown keys, wrong types, missing required keys and bad
/// names are errors naming the file and the key. Pure: `parse(text:file:)` touches no disk.
enum ManifestParser {
    static let keys: Set<String> = [
        "name", "aliases", "extensions", "source", "compile", "run", "version", "packages", "installHint", "env",
        "limits", "tests",
    ]
    static let limitKeys: Set<String> = ["timeoutMs", "memoryMB", "pids", "maxOutputBytes", "compileTimeoutMs"]
    static let testKeys: Set<String> = ["code", "file", "stdin", "stdout"]

    /// Language names and aliases: lower-case letters, digits and `+ # _ -`, 1-32 characters.
    static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 32
            && s.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || "+#_-".unicodeScalars.contains($0)
            }
    }

    /// A plain file name: no slash, not `.`/`..`, no control characters.
    static func isValidFileName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 255 && s != "." && s != ".." && !s.contains("/")
            && !s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    static func parse(text: String, file: String) throws(ManifestError) -> Manifest {
        let json: JSONValue
        do throws(JSONParser.Error) { json = try JSONParser.parse(text) } catch {
            throw ManifestError(file: file, key: nil, problem: "not valid JSON: \(error)")
        }
        return try parse(json, file: file)
    }

    static func parse(_ json: JSONValue, file: String) throws(ManifestError) -> Manifest {
        let r = try ManifestReader(json, file: file, prefix: "", allowed: keys)
        let name = try r.requiredString("name")
        guard isValidName(name) else { throw r.error("name", "must match [a-z0-9+#_-]{1,32}, got \"\(name)\"") }
        let aliases = try r.strings("aliases") ?? []
        if let bad = aliases.first(where: { !isValidName($0) }) {
            throw r.error("aliases", "\"\(bad)\" must match [a-z0-9+#_-]{1,32}")
        }
        let extensions = try r.strings("extensions") ?? []
        if let bad = extensions.first(where: { !$0.hasPrefix(".") || $0.count < 2 || $0.contains("/") }) {
            throw r.error("extensions", "\"\(bad)\" must look like \".rb\"")
        }
        let source = try r.requiredString("source")
        guard isValidFileName(source) else { throw r.error("source", "must be a plain file name, got \"\(source)\"") }
        var m = Manifest(name: name, source: source, run: try r.argv("run", required: true)!, path: file)
        m.aliases = aliases
        m.extensions = extensions
        m.compile = try r.argv("compile", required: false)
        m.version = try r.argv("version", required: false)
        m.packages = try r.strings("packages") ?? []
        m.installHint = try r.string("installHint")
        m.env = try r.stringMap("env") ?? [:]
        if let l = try r.nested("limits", allowed: limitKeys) {
            m.limits = Manifest.Limits(
                timeoutMs: try l.positiveInt("timeoutMs"), memoryMB: try l.positiveInt("memoryMB"),
                pids: try l.positiveInt("pids"), maxOutputBytes: try l.positiveInt("maxOutputBytes"),
                compileTimeoutMs: try l.positiveInt("compileTimeoutMs"))
        }
        for (i, t) in try r.objects("tests", allowed: testKeys).enumerated() {
            let test = Manifest.TestCase(
                code: try t.string("code"), file: try t.string("file"), stdin: try t.string("stdin"),
                stdout: try t.requiredString("stdout"))
            guard (test.code == nil) != (test.file == nil) else {
                throw ManifestError(file: file, key: "tests[\(i)]", problem: "needs exactly one of 'code' or 'file'")
            }
            m.tests.append(test)
        }
        return m
    }
}
