import DriverProtocol
import Host
import Testing

@Suite struct CommandParsingTests {
    func parse(_ json: JSONValue) throws(RPCError) -> SessionCommand { try SessionCommand(json: json) }

    /// The -32602 error's field, or nil if parsing succeeded.
    func field(_ json: JSONValue?) -> String? {
        do {
            _ = try SessionCommand(json: json)
            return nil
        } catch {
            #expect(error.code == -32602)
            return error.data?["field"]?.string
        }
    }

    @Test func seedWriteFileParses() throws {
        let c = try parse([
            "type": "write_file", "path": "/workspace/hello.py", "content": "print('Hello, World!')", "mode": "Create",
        ])
        #expect(
            c
                == .writeFile(
                    path: "/workspace/hello.py", content: "print('Hello, World!')", mode: .create, encoding: .utf8))
        #expect(
            try parse(["type": "write_file", "path": "a", "content": "", "mode": "append"])
                == .writeFile(path: "a", content: "", mode: .append, encoding: .utf8))
        #expect(
            try parse(["type": "read_file", "path": "a", "encoding": "base64"])
                == .readFile(path: "a", encoding: .base64))
    }

    @Test func bothSpellingsOfEachCommandParseTheSame() throws {
        #expect(try parse(["type": "create_directory", "path": "d"]) == parse(["type": "create_dir", "path": "d"]))
        #expect(
            try parse(["type": "copy_file", "sourcePath": "a", "destinationPath": "b"])
                == parse(["type": "copy_file", "source": "a", "destination": "b"]))
        #expect(
            try parse([
                "type": "list_directory", "path": "/workspace", "recursive": true, "pattern": "*.py", "maxDepth": 2,
            ])
                == parse([
                    "type": "list_files", "path": "/workspace", "recursive": true, "pattern": "*.py", "maxDepth": 2,
                ]))
        #expect(
            try parse(["type": "execute_code", "code": "print(1)", "timeout": 5])
                == parse(["type": "execute", "code": "print(1)", "timeout": 5]))
        let shell = try parse([
            "type": "execute_shell", "commandName": "python3", "args": ["/workspace/hello.py"],
            "workingDirectory": "/workspace",
        ])
        #expect(
            shell
                == (try parse([
                    "type": "shell", "command": "python3", "args": ["/workspace/hello.py"],
                    "workingDirectory": "/workspace",
                ])))
        guard case .shell(let s) = shell else { Issue.record("not a shell command"); return }
        #expect(s.command == "python3" && s.args == ["/workspace/hello.py"] && s.timeout == nil)
    }

    @Test func executeCodeCarriesTimeoutStdinEnvAndLanguage() throws {
        let c = try parse([
            "type": "execute_code", "code": "x", "timeout": 2.5, "stdin": "in", "env": ["A": "1"],
            "language": "typescript",
        ])
        #expect(c == .executeCode(.init(code: "x", timeout: 2.5, stdin: "in", env: ["A": "1"], language: "typescript")))
        #expect(c.typeName == "execute_code" && !c.isFileCommand)
    }

    @Test func installPackagesAcceptsBothRequirementsSpellings() throws {
        let a = try parse([
            "type": "install_packages", "packages": ["requests"], "requirementsFile": "requirements.txt",
        ])
        let b = try parse([
            "type": "install_packages", "packages": ["requests"], "requirements_file": "requirements.txt",
        ])
        #expect(a == b)
        #expect(
            a
                == .installPackages(
                    .init(
                        packages: ["requests"], requirementsFile: "requirements.txt", global: false, flags: [],
                        manager: nil)))
    }

    @Test func diffAndApplyPatchParse() throws {
        #expect(
            try parse(["type": "diff", "path": "a", "content": "x"]) == .diff(path: "a", content: "x", otherPath: nil))
        #expect(
            try parse(["type": "diff", "path": "a", "otherPath": "b"]) == .diff(path: "a", content: nil, otherPath: "b")
        )
        #expect(try parse(["type": "apply_patch", "patch": "--- a\n"]) == .applyPatch(patch: "--- a\n"))
    }

    @Test func everyMissingFieldIsNamed() {
        #expect(field(nil) == "command")
        #expect(field(.null) == "command")
        #expect(field("write_file") == "command")
        #expect(field([:]) == "command.type")
        #expect(field(["type": "frobnicate"]) == "command.type")
        #expect(field(["type": "write_file", "content": "x"]) == "command.path")
        #expect(field(["type": "write_file", "path": "a"]) == "command.content")
        #expect(field(["type": "read_file"]) == "command.path")
        #expect(field(["type": "create_directory"]) == "command.path")
        #expect(field(["type": "delete_file"]) == "command.path")
        #expect(field(["type": "copy_file", "destinationPath": "b"]) == "command.sourcePath")
        #expect(field(["type": "copy_file", "source": "a"]) == "command.destinationPath")
        #expect(field(["type": "execute_shell", "args": []]) == "command.commandName")
        #expect(field(["type": "execute_code"]) == "command.code")
        #expect(field(["type": "install_packages"]) == "command.packages")
        #expect(field(["type": "diff", "content": "x"]) == "command.path")
        #expect(field(["type": "diff", "path": "a"]) == "command.content")
        #expect(field(["type": "apply_patch"]) == "command.patch")
    }

    @Test func everyWrongTypedFieldIsNamed() {
        #expect(field(["type": 3]) == "command.type")
        #expect(field(["type": "write_file", "path": 1, "content": "x"]) == "command.path")
        #expect(field(["type": "write_file", "path": "a", "content": "x", "mode": "Sideways"]) == "command.mode")
        #expect(field(["type": "read_file", "path": "a", "encoding": "latin1"]) == "command.encoding")
        #expect(field(["type": "list_directory", "recursive": "yes"]) == "command.recursive")
        #expect(field(["type": "list_directory", "maxDepth": 0]) == "command.maxDepth")
        #expect(field(["type": "shell", "command": "ls", "args": "-la"]) == "command.args")
        #expect(field(["type": "shell", "command": "ls", "args": ["-l", 2]]) == "command.args[1]")
        #expect(field(["type": "shell", "command": "ls", "env": ["A": 1]]) == "command.env.A")
        #expect(field(["type": "execute", "code": "x", "timeout": "10"]) == "command.timeout")
        #expect(field(["type": "execute", "code": "x", "timeout": -1]) == "command.timeout")
        #expect(field(["type": "install_packages", "packages": ["a"], "global": "no"]) == "command.global")
    }

    @Test func listDirectoryDefaultsToTheWorkspaceRoot() throws {
        #expect(
            try parse(["type": "list_directory"])
                == .listDirectory(path: "/workspace", recursive: false, pattern: nil, maxDepth: nil))
    }
}
