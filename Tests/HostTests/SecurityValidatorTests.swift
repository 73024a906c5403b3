import Testing

@testable import Host

@Suite struct SecurityValidatorTests {
    let v = InputValidator(config: SecurityConfig())

    @Test(arguments: [
        ":(){ :|:& };:", ":(){:|:&};:", ".(){.|.&};.", "bomb() { bomb | bomb & }; bomb",
        "f(){\n  f|f &\n}\nf", "function x { x | x & }; x", "echo hi; _x_() { _x_ & _x_ & }; _x_",
        "  :  ( )  {  :  |  :  &  }  ;  :",
    ])
    func forkBombShapes_AreRejected(code: String) {
        #expect(v.validateCode(code)?.rule == Violation.Rule.forkBomb)
    }

    @Test(arguments: [
        "f() { echo hi; }; f", "fib() { fib $1 | cat; }", "greet() { echo a | grep a & }", "x = lambda: 1\nprint(x())",
        "a|a",
    ])
    func ordinaryShellAndCode_Pass(code: String) {
        #expect(v.validateCode(code) == nil)
    }

    @Test(arguments: [
        "rm -rf /", "RM   -RF  /", "cd x && rm -rf / ", "rm -rf /*", "rm -fr /", "rm -r -f /",
        "rm --recursive --force /",
        "sudo ls", "SUDO\tapt install x", "dd if=/dev/zero of=/x", "x;sudo -i",
    ])
    func blockedPatterns_AreRejected_CaseAndSpacingInsensitive(code: String) {
        #expect(v.validateCode(code)?.rule == Violation.Rule.blockedPattern)
    }

    @Test(arguments: [
        "rm -rf /tmp/build", "rm -rf ./out", "print('pseudocode')", "git rm -r /", "add if= 3", "rm -f /tmp/x",
    ])
    func nearMisses_Pass(code: String) {
        #expect(v.validateCode(code) == nil)
    }

    @Test func hostileNesting_IsCheckedInBoundedTime() {
        // 100 KB of unterminated definitions: quadratic scanning would take minutes.
        let code = String(repeating: "a(){", count: 25_000)
        let start = ContinuousClock.now
        #expect(v.validateCode(code) == nil)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func violationMessage_NamesTheRule() {
        let violation = v.validateCode("sudo rm x")!
        #expect(violation.message.contains("blockedPattern"))
        #expect(violation.kind == .security)
    }

    @Test func codeLength_CountsUTF8Bytes() {
        var c = SecurityConfig(); c.maxCodeLength = 10
        let small = InputValidator(config: c)
        #expect(small.validateCode("0123456789") == nil)
        #expect(small.validateCode("01234567890")?.rule == Violation.Rule.codeLength)
        #expect(small.validateCode("ééééé€")?.rule == Violation.Rule.codeLength)  // 13 bytes
        #expect(small.validateCode("ééééé") == nil)  // 10 bytes
    }

    @Test func configuredPatterns_AreUsed() {
        var c = SecurityConfig(); c.blockedCommandPatterns = ["curl http"]
        let custom = InputValidator(config: c)
        #expect(custom.validateCode("CURL  HTTP://x")?.rule == Violation.Rule.blockedPattern)
        #expect(custom.validateCode("sudo ls") == nil)
    }

    @Test func shell_ChecksTheWholeCommandLine() {
        #expect(v.validateShell(command: "sh", args: ["-c", ":(){ :|:& };:"])?.rule == Violation.Rule.forkBomb)
        #expect(v.validateShell(command: "rm", args: ["-rf", "/"])?.rule == Violation.Rule.blockedPattern)
        #expect(v.validateShell(command: "ls", args: ["-la"]) == nil)
        #expect(v.validateShell(command: "", args: [])?.rule == Violation.Rule.shellEmpty)
        #expect(v.validateShell(command: "ls", args: ["a\0b"])?.rule == Violation.Rule.shellNul)
    }

    @Test func paths_RejectNulEmptyAndTraversal() {
        #expect(v.validatePath("a\0.py")?.rule == Violation.Rule.pathNul)
        #expect(v.validatePath("")?.rule == Violation.Rule.pathEmpty)
        #expect(v.validatePath("../etc/passwd")?.rule == Violation.Rule.pathTraversal)
        #expect(v.validatePath("a/../../x")?.rule == Violation.Rule.pathTraversal)
        #expect(v.validatePath("a/../b/./c.txt") == nil)
        #expect(v.validatePath(String(repeating: "a", count: 5000))?.rule == Violation.Rule.pathTooLong)
    }

    @Test func extensions_EmptyListAllowsAll_OtherwiseOnlyListed() {
        #expect(v.validatePath("x.exe") == nil)
        var c = SecurityConfig(); c.allowedFileExtensions = ["py", ".TXT"]
        let strict = InputValidator(config: c)
        #expect(strict.validatePath("src/main.PY") == nil)
        #expect(strict.validatePath("notes.txt") == nil)
        #expect(strict.validatePath("run.sh")?.rule == Violation.Rule.pathExtension)
        #expect(strict.validatePath("Makefile")?.rule == Violation.Rule.pathExtension)
        #expect(strict.validatePath(".bashrc")?.rule == Violation.Rule.pathExtension)
        #expect(strict.validatePath("some/dir", checkExtension: false) == nil)
    }
}
