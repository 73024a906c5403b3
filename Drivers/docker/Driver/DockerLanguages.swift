import DriverProtocol

/// The languages the Docker driver runs, each with its default image and how `execute` runs a file.
struct DockerLanguage: Sendable, Equatable {
    var name: String
    var aliases: [String]
    var fileExtension: String
    var defaultImage: String
    /// argv to run the code file at `path`.
    var command: @Sendable (String) -> [String]
    /// Images that ship with CodeBeaker (built by scripts/build-runtime-images.sh); the others are bring-your-own.
    var builtIn: Bool

    static func == (a: DockerLanguage, b: DockerLanguage) -> Bool { a.name == b.name }

    static let all: [DockerLanguage] = [
        DockerLanguage(
            name: "python", aliases: ["python3", "py"], fileExtension: ".py", defaultImage: "codebeaker-python",
            command: { ["python3", $0] }, builtIn: true),
        DockerLanguage(
            name: "javascript", aliases: ["nodejs", "node", "js"], fileExtension: ".js",
            defaultImage: "codebeaker-nodejs", command: { ["node", $0] }, builtIn: true),
        DockerLanguage(
            name: "go", aliases: ["golang"], fileExtension: ".go", defaultImage: "codebeaker-go",
            command: { ["go", "run", $0] }, builtIn: true),
        // Debian 12 has no .NET SDK: bring your own image (with `dotnet script`) via `dockerImage`.
        DockerLanguage(
            name: "csharp", aliases: ["dotnet", "cs", "c#"], fileExtension: ".csx",
            defaultImage: "codebeaker-dotnet", command: { ["dotnet", "script", $0] }, builtIn: false),
    ]

    /// Size of the container's /tmp tmpfs: 64 MB, the same as the native sandboxes, except for the Go image,
    /// whose build cache lives there (`go run` of a small program fills ~100 MB); that one grows with memory.
    static func tmpMB(image: String, memoryMB: Int) -> Int {
        let name = image.split(separator: "/").last.map { String($0.split(separator: ":").first ?? "") } ?? image
        return name == "codebeaker-go" ? min(max(memoryMB, 64), 1024) : 64
    }

    static func find(_ name: String?) -> DockerLanguage? {
        guard let n = name?.lowercased() else { return nil }
        return all.first { $0.name == n || $0.aliases.contains(n) }
    }

    static var capabilities: [DriverCapabilities.Language] {
        all.map { .init(name: $0.name, aliases: $0.aliases, extensions: [$0.fileExtension]) }
    }
}
