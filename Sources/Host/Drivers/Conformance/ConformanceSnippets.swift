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

    /// A program that connects to 127.0.0.1:`port` and prints `cbkit-connected` if it got through (the
    /// no-network check's fallback when the sandbox has no bash).
    static func connect(language: String?, port: Int) -> String? {
        switch language?.lowercased() {
        case "python", "python3", "py":
            return "import socket\ntry:\n    socket.create_connection((\"127.0.0.1\", \(port)), 3)\n"
                + "    print(\"cbkit-connected\")\nexcept OSError as e:\n    print(\"refused\", e)\n"
        case "javascript", "typescript", "js", "ts", "node", "nodejs":
            return "(async () => { const net = await import(\"node:net\");\n"
                + "  const s = net.connect(\(port), \"127.0.0.1\", () => { console.log(\"cbkit-connected\"); s.destroy() });\n"
                + "  s.on(\"error\", (e) => console.log(\"refused\", e.code)) })()\n"
        default:
            return nil
        }
    }
}
