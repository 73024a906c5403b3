import DriverProtocol
import Testing

@testable import Host

@Suite("codebeaker run/repl/exec: options, cells, exit codes")
struct CLIOptionsTests {
    @Test func run_TakesFileAndOptions() throws {
        let o = try CLIOptions.parse(["run", "--timeout", "5", "--server=ws://h:1", "hello.py"])
        #expect(o.command == .run && o.file == "hello.py" && o.timeout == 5 && o.server == "ws://h:1")
    }

    @Test func runStdin_NeedsLanguage() {
        #expect(throws: CLIOptions.Error.self) { try CLIOptions.parse(["run", "-"]) }
        #expect((try? CLIOptions.parse(["run", "-l", "python", "-"]))?.file == "-")
    }

    @Test func unknownOption_NamesIt() {
        #expect(throws: CLIOptions.Error("unknown option '--bogus' (see codebeaker run --help)")) {
            try CLIOptions.parse(["run", "--bogus", "a.py"])
        }
    }

    @Test func exec_NeedsServer() {
        #expect(throws: CLIOptions.Error.self) { try CLIOptions.parse(["exec", "s_1", "a.py"]) }
        let o = try? CLIOptions.parse(["exec", "s_1", "-", "--server", "ws://h"])
        #expect(o?.sessionId == "s_1" && o?.file == "-")
    }

    @Test func session_Subcommands() throws {
        #expect(try CLIOptions.parse(["session", "list", "--server", "ws://h"]).command == .sessionList)
        #expect(try CLIOptions.parse(["session", "close", "s_1", "--server", "ws://h"]).sessionId == "s_1")
        #expect(throws: CLIOptions.Error.self) { try CLIOptions.parse(["session", "frob"]) }
    }

    @Test func help_NeedsNothingElse() throws {
        #expect(try CLIOptions.parse(["repl", "--help"]).help)
        #expect(try CLIOptions.parse(["run", "-h"]).help)
    }

    @Test func cells_LineOrBlankLineEndedBlock() {
        var r = CellReader()
        #expect(r.feed("x = 1") == "x = 1")
        #expect(r.feed("") == nil)
        #expect(r.feed("for i in range(2):") == nil)
        #expect(r.inBlock)
        #expect(r.feed("    print(i)") == nil)
        #expect(r.feed("  ") == "for i in range(2):\n    print(i)")
        #expect(!r.inBlock)
        #expect(r.feed("function f() {") == nil)
        #expect(r.finish() == "function f() {")
    }

    @Test func exitStatus_FollowsShellConventions() {
        #expect(CLIExitStatus.code(for: ["exitCode": 3]) == 3)
        #expect(CLIExitStatus.code(for: ["exitCode": .null, "timedOut": true]) == 124)
        #expect(CLIExitStatus.code(for: ["exitCode": .null, "cancelled": true, "signal": 9]) == 130)
        #expect(CLIExitStatus.code(for: ["exitCode": .null, "signal": 9]) == 137)
        #expect(CLIExitStatus.code(for: ["error": "driver crashed"]) == 1)
    }

    @Test func languageTable_ByExtension() {
        let table: [JSONValue] = [
            ["name": "python", "extensions": [".py"]], ["name": "javascript", "extensions": [".js", ".mjs"]],
        ]
        #expect(LanguageTable.language(forExtension: ".MJS", in: table) == "javascript")
        #expect(LanguageTable.language(forExtension: ".rb", in: table) == nil)
        #expect(LanguageTable.fileExtension("dir.v2/hello.py") == ".py")
        #expect(LanguageTable.fileExtension("dir.v2/Makefile") == nil)
        #expect(LanguageTable.fileExtension(".bashrc") == nil)
    }
}
