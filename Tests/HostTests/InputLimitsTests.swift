import DriverProtocol
import Testing

@testable import Host

/// Issue 12 (#3): client strings other than code and file contents are bounded, with errors naming the field.
@Suite struct InputLimitsTests {
    static let pythonSelection = RuntimeSelector.Selection(
        index: 0, driverName: "python", language: "python", driverLanguage: "python", runtimeType: "python")
    static let pythonCaps = DriverCapabilities(
        languages: [.init(name: "python", aliases: ["python3", "py"], extensions: [".py"])],
        runtimeType: "python", isolationLevel: 5, startupMs: 50, memoryMB: 30)
    static let denoSelection = RuntimeSelector.Selection(
        index: 0, driverName: "deno", language: "deno", driverLanguage: "typescript", runtimeType: "deno")
    static let denoCaps = DriverCapabilities(
        languages: [
            .init(name: "typescript", aliases: ["deno", "ts"], extensions: [".ts"]),
            .init(name: "javascript", aliases: ["js", "deno-js"], extensions: [".js"]),
        ],
        runtimeType: "deno", isolationLevel: 5, startupMs: 50, memoryMB: 30)

    static func code(_ language: String?) -> SessionCommand {
        .executeCode(.init(code: "print(1)", language: language))
    }

    static func error(_ body: () throws(RPCError) -> Void) -> RPCError? {
        do throws(RPCError) { try body(); return nil } catch { return error }
    }

    @Test(arguments: [nil, "python", "py", "PYTHON3", "Python"])
    func languageOfTheSession_IsAccepted(language: String?) {
        #expect(
            Self.error { () throws(RPCError) in
                try SessionCommand.checkLanguage(
                    Self.code(language), selection: Self.pythonSelection, capabilities: Self.pythonCaps)
            } == nil)
    }

    @Test func languagesOfADenoSession_AreItsDriversNamesAndAliases() {
        for ok in ["typescript", "ts", "javascript", "js", "deno", "deno-js"] {
            #expect(
                Self.error { () throws(RPCError) in
                    try SessionCommand.checkLanguage(
                        Self.code(ok), selection: Self.denoSelection, capabilities: Self.denoCaps)
                } == nil, "\(ok)")
        }
        let e = Self.error { () throws(RPCError) in
            try SessionCommand.checkLanguage(
                Self.code("python"), selection: Self.denoSelection, capabilities: Self.denoCaps)
        }
        #expect(e?.code == -32602)
    }

    @Test func otherLanguage_IsRefusedNamingTheFieldAndTheAllowedValues() {
        let e = Self.error { () throws(RPCError) in
            try SessionCommand.checkLanguage(
                Self.code("ruby"), selection: Self.pythonSelection, capabilities: Self.pythonCaps)
        }
        #expect(e?.code == -32602)
        #expect(e?.message.contains("command.language") == true)
        #expect(e?.data?["field"] == "command.language")
        #expect(e?.data?["allowed"] == ["py", "python", "python3"])
    }

    @Test func hugeLanguage_IsRefusedWithoutEchoingIt() {
        let huge = String(repeating: "x", count: 1 << 20)
        let e = Self.error { () throws(RPCError) in
            try SessionCommand.checkLanguage(
                Self.code(huge), selection: Self.pythonSelection, capabilities: Self.pythonCaps)
        }
        #expect(e?.code == -32602)
        #expect(JSONWriter.bytes(e!.json).count < 300)
        #expect(e?.message.contains("at most 64") == true)
    }

    @Test func parsing_BoundsLanguageManagerAndEnv() {
        func parse(_ command: JSONValue) -> RPCError? {
            Self.error { () throws(RPCError) in _ = try SessionCommand(json: command) }
        }
        #expect(
            parse(["type": "execute_code", "code": "1", "language": .string(String(repeating: "l", count: 65))])?.data?[
                "field"] == "command.language")
        #expect(
            parse(["type": "execute_code", "code": "1", "language": "py\nthon"])?.data?["field"] == "command.language")
        #expect(
            parse(["type": "install_packages", "packages": [], "manager": .string(String(repeating: "m", count: 100))])?
                .data?["field"] == "command.manager")
        #expect(parse(["type": "execute_code", "code": "1", "env": ["A B": "1"]])?.code == -32602)
        #expect(parse(["type": "execute_code", "code": "1", "env": ["9A": "1"]])?.code == -32602)
        #expect(
            parse([
                "type": "execute_shell", "commandName": "env",
                "env": ["BIG": .string(String(repeating: "v", count: 40_000))],
            ])?.data?["field"] == "command.env.BIG")
        #expect(parse(["type": "execute_code", "code": "1", "env": ["OK_1": "x", "_x": ""]]) == nil)
    }

    @Test func envCount_IsBounded() {
        var env: [String: String] = [:]
        for i in 0...InputLimits.maxEnvCount { env["V\(i)"] = "1" }
        #expect(
            Self.error { () throws(RPCError) in try InputLimits.env(env, field: "env") }?.message.contains(
                "at most 256") == true)
    }

    @Test func ids_DockerImagesAndPermissions_AreBounded() {
        #expect(
            Self.error { () throws(RPCError) in
                try InputLimits.id(String(repeating: "s", count: 129), field: "sessionId")
            }?.data?["field"] == "sessionId")
        #expect(Self.error { () throws(RPCError) in try InputLimits.id("s_1\u{1b}[2J", field: "sessionId") } != nil)
        #expect(Self.error { () throws(RPCError) in try InputLimits.id("s_abc123", field: "sessionId") } == nil)
        #expect(
            Self.error { () throws(RPCError) in
                try InputLimits.dockerImage("python:3.12-slim@sha256:abc", field: "dockerImage")
            } == nil)
        #expect(
            Self.error { () throws(RPCError) in try InputLimits.dockerImage("python\n:3", field: "dockerImage") } != nil
        )
        #expect(
            Self.error { () throws(RPCError) in
                try InputLimits.dockerImage(String(repeating: "i", count: 300), field: "dockerImage")
            } != nil)
        let big = JSONValue.object(["x": .string(String(repeating: "p", count: 20_000))])
        #expect(
            Self.error { () throws(RPCError) in try InputLimits.json(big, field: "permissions") }?.data?["field"]
                == "permissions")
    }
}
