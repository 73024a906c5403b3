/// Per-language programs the conformance kit runs: one that prints `conformance-ok`, one that exits non-zero
/// and one that sleeps (to cancel). A language not in the table is exercised through `shell` instead.
struct ConformanceSnippets: Sendable {
    enum Program: Sendable {
        case code(String)
        case shell(command: String, args: [String])
    }

    var hello: Program
    var failing: Program
    var sleeping: Program

    static let marker = "conformance-ok"

    static func forLanguage(_ language: String?) -> ConformanceSnippets {
        switch language?.lowercased() {
        case "python", "python3", "py":
            return .init(
                hello: .code("print(\"conformance-ok\")"), failing: .code("import sys; sys.exit(3)"),
                sleeping: .code("import time; time.sleep(60)"))
        case "javascript", "typescript", "js", "ts", "node", "nodejs":
            return .init(
                hello: .code("console.log(\"conformance-ok\")"),
                failing: .code("throw new Error(\"conformance-fail\")"),
                sleeping: .code("setTimeout(() => {}, 60000)"))
        case "ruby", "rb":
            return .init(hello: .code("puts \"conformance-ok\""), failing: .code("exit 3"), sleeping: .code("sleep 60"))
        case "bash", "sh", "shell", "zsh":
            return .init(hello: .code("echo conformance-ok"), failing: .code("exit 3"), sleeping: .code("sleep 60"))
        case "go", "golang":
            return .init(
                hello: .code("package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"conformance-ok\") }\n"),
                failing: .code("package main\nimport \"os\"\nfunc main() { os.Exit(3) }\n"),
                sleeping: .code("package main\nimport \"time\"\nfunc main() { time.Sleep(60 * time.Second) }\n"))
        default:
            return .init(
                hello: .shell(command: "echo", args: [marker]), failing: .shell(command: "sh", args: ["-c", "exit 3"]),
                sleeping: .shell(command: "sleep", args: ["60"]))
        }
    }
}
