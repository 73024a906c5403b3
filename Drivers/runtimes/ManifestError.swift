/// Why a manifest file was refused: the file and the key, in words (docs/runtimes.md, "Validation").
struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    var file: String
    /// The offending key (dotted for nested ones: `limits.timeoutMs`, `tests[0].stdout`); nil for the whole file.
    var key: String?
    var problem: String

    init(file: String, key: String? = nil, problem: String) { self.file = file; self.key = key; self.problem = problem }

    var description: String {
        if let key { return "\(file): key '\(key)': \(problem)" }
        return "\(file): \(problem)"
    }
}
