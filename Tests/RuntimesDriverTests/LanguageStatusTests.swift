import DriverProtocol
import Testing

@testable import codebeaker_driver_runtimes

@Suite struct LanguageStatusTests {
    @Test func aProbeGivesTheFirstLineAsTheVersion() {
        let r = RunResult(exitCode: 0, stdout: "", stderr: "\n  javac 17.0.9 \nmore\n")
        #expect(LanguageStatus.judge(probe: ["javac", "-version"], r) == ("javac 17.0.9", nil))
    }

    @Test func aFailedProbeSaysWhyWithTheCommand() {
        let missing = RunResult(exitCode: 1, stderr: "bwrap: execvp rubyx: No such file or directory\n")
        let (v, why) = LanguageStatus.judge(probe: ["rubyx", "-v"], missing)
        #expect(
            v == nil && why == "version probe `rubyx -v` failed: exit 1: bwrap: execvp rubyx: No such file or directory"
        )
        #expect(
            LanguageStatus.judge(probe: ["x"], RunResult(exitCode: nil, timedOut: true)).reason
                == "version probe `x` failed: timed out")
        #expect(
            LanguageStatus.judge(probe: ["x"], RunResult(exitCode: 0)).reason
                == "version probe `x` failed: printed nothing")
    }

    @Test func theCapabilityCarriesAvailabilityAndTheHint() throws {
        let m = try ManifestParser.parse(
            text: #"{"name":"ruby","source":"m","run":["ruby"],"packages":["ruby","ruby-dev"]}"#, file: "/r.json")
        #expect(LanguageStatus.hint(m) == "apt-get install ruby ruby-dev")
        let down = LanguageStatus(
            name: "ruby", manifest: m, unavailableReason: "no", installHint: "apt-get install ruby")
        #expect(
            down.capability.json["available"] == false && down.capability.json["installHint"] == "apt-get install ruby")
        let up = LanguageStatus(name: "ruby", manifest: m, version: "3.1.2", installHint: "apt-get install ruby")
        #expect(up.capability.json["available"] == nil && up.capability.json["version"] == "3.1.2")
        #expect(up.capability.json["installHint"] == nil)
        #expect(DriverCapabilities.Language(json: down.capability.json) == down.capability)
    }
}
