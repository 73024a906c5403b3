/// One language as a manifest file declares it (docs/runtimes.md). Validated by `ManifestParser`.
struct Manifest: Sendable, Equatable {
    struct Limits: Sendable, Equatable {
        var timeoutMs: Int?
        var memoryMB: Int?
        var pids: Int?
        var maxOutputBytes: Int?
        var compileTimeoutMs: Int?
    }

    /// A test program: `code` inline or `file` (relative to the manifest's directory), and the exact stdout.
    struct TestCase: Sendable, Equatable {
        var code: String?
        var file: String?
        var stdin: String?
        var stdout: String
    }

    var name: String
    var aliases: [String] = []
    var extensions: [String] = []
    /// The source file's name inside the build directory.
    var source: String
    var compile: [String]?
    var run: [String]
    var version: [String]?
    var packages: [String] = []
    var installHint: String?
    var env: [String: String] = [:]
    var limits = Limits()
    var tests: [TestCase] = []

    /// Where it was read from (for messages).
    var path: String = ""
}
