import DriverProtocol
import Testing

@testable import codebeaker_driver_runtimes

@Suite struct ManifestParserTests {
    static let ruby = """
        {"name": "ruby", "aliases": ["rb"], "extensions": [".rb"], "source": "main.rb",
         "run": ["ruby", "{source}"], "version": ["ruby", "-e", "print RUBY_VERSION"], "packages": ["ruby"],
         "installHint": "apt-get install ruby", "env": {"RUBYOPT": "-W0"},
         "limits": {"timeoutMs": 5000, "memoryMB": 256, "pids": 64, "maxOutputBytes": 1000, "compileTimeoutMs": 9000},
         "tests": [{"code": "puts 'OK'", "stdout": "OK\\n"}, {"file": "t/a.rb", "stdin": "x", "stdout": "x"}]}
        """

    func error(_ text: String) -> ManifestError? {
        do throws(ManifestError) {
            _ = try ManifestParser.parse(text: text, file: "/r/x.json")
            return nil
        } catch { return error }
    }

    @Test func everyKeyIsRead() throws {
        let m = try ManifestParser.parse(text: Self.ruby, file: "/r/ruby.json")
        #expect(m.name == "ruby" && m.aliases == ["rb"] && m.extensions == [".rb"] && m.source == "main.rb")
        #expect(m.run == ["ruby", "{source}"] && m.compile == nil && m.version?.count == 3)
        #expect(m.packages == ["ruby"] && m.installHint == "apt-get install ruby" && m.env == ["RUBYOPT": "-W0"])
        #expect(
            m.limits
                == .init(timeoutMs: 5000, memoryMB: 256, pids: 64, maxOutputBytes: 1000, compileTimeoutMs: 9000))
        #expect(m.tests.count == 2 && m.tests[1].file == "t/a.rb" && m.tests[1].stdin == "x")
        #expect(m.path == "/r/ruby.json")
    }

    @Test func unknownKeyIsNamedWithTheFile() {
        let e = error(#"{"name":"a","source":"a","run":["a"],"timeout":5}"#)
        #expect(e?.key == "timeout" && e?.file == "/r/x.json")
        #expect(e?.description.hasPrefix("/r/x.json: key 'timeout': unknown key") == true)
    }

    @Test func nestedUnknownKeysAreNamedWithTheirPath() {
        #expect(error(#"{"name":"a","source":"a","run":["a"],"limits":{"memoryMb":5}}"#)?.key == "limits.memoryMb")
        #expect(
            error(#"{"name":"a","source":"a","run":["a"],"tests":[{"code":"x","stdout":"","out":1}]}"#)?.key
                == "tests[0].out")
    }

    @Test func wrongTypesAreNamed() {
        #expect(error(#"{"name":"a","source":"a","run":"a b"}"#)?.key == "run")
        #expect(error(#"{"name":"a","source":"a","run":["a", 1]}"#)?.key == "run[1]")
        #expect(error(#"{"name":"a","source":"a","run":["a"],"env":{"X":1}}"#)?.key == "env.X")
        #expect(error(#"{"name":"a","source":"a","run":["a"],"limits":{"timeoutMs":-1}}"#)?.key == "limits.timeoutMs")
        #expect(error(#"{"name":"a","source":"a","run":["a"],"limits":{"pids":"5"}}"#)?.key == "limits.pids")
        #expect(error(#"{"name":"a","source":"a","run":["a"],"aliases":"b"}"#)?.key == "aliases")
        #expect(error(#"[1]"#)?.key == nil)
    }

    @Test func missingRequiredKeysAreNamed() {
        #expect(error(#"{"source":"a","run":["a"]}"#)?.key == "name")
        #expect(error(#"{"name":"a","run":["a"]}"#)?.key == "source")
        #expect(error(#"{"name":"a","source":"a"}"#)?.key == "run")
        #expect(error(#"{"name":"a","source":"a","run":[]}"#)?.key == "run")
        #expect(error(#"{"name":"a","source":"a","run":["a"],"tests":[{"code":"x"}]}"#)?.key == "tests[0].stdout")
        #expect(error(#"{"name":"a","source":"a","run":["a"],"tests":[{"stdout":"x"}]}"#)?.key == "tests[0]")
    }

    @Test func badNamesAndFileNamesAreRefused() {
        #expect(error(#"{"name":"Ruby","source":"a","run":["a"]}"#)?.key == "name")
        #expect(error(#"{"name":"a b","source":"a","run":["a"]}"#)?.key == "name")
        #expect(error(#"{"name":"a","aliases":["OK"],"source":"a","run":["a"]}"#)?.key == "aliases")
        #expect(error(#"{"name":"a","source":"../a","run":["a"]}"#)?.key == "source")
        #expect(error(#"{"name":"a","source":"a","extensions":["rb"],"run":["a"]}"#)?.key == "extensions")
        #expect(error(#"{"name":"c++","source":"main.cpp","run":["a"]}"#) == nil)
        #expect(error(#"{"name":"c#","source":"main.cs","run":["a"]}"#) == nil)
    }

    @Test func invalidJSONIsReportedForTheFile() {
        let e = error("{\"name\": ")
        #expect(e?.key == nil && e?.problem.hasPrefix("not valid JSON") == true)
    }
}
