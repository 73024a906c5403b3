import Foundation
import Testing

@testable import Host

extension DriverProcessTests {
    @Suite struct Conformance {
        typealias S = DriverTestSupport

        @Test func exampleBashDriver_PassesEveryCheck() async {
            let checks = await ConformanceKit.run(
                executable: S.exampleBashDriver, logger: Logger("test", sink: S.LogCapture().sink))
            let names = checks.map(\.name)
            #expect(
                names == [
                    "handshake", "capabilities", "session-open", "execute-streaming", "nonzero-exit", "cancel",
                    "session-close", "unknown-method", "malformed-line", "garbage", "version-mismatch",
                    "stdin-eof", "stdout-protocol-only",
                ])
            for c in checks where !c.passed { Issue.record("\(c)") }
        }

        @Test func brokenDriver_FailsTheChecksItBreaks() async {
            let checks = await ConformanceKit.run(
                executable: S.fixture("broken-driver.py"), logger: Logger("test", sink: S.LogCapture().sink))
            let failed = Set(checks.filter { !$0.passed }.map(\.name))
            #expect(
                failed.isSuperset(of: [
                    "unknown-method", "malformed-line", "stdin-eof", "stdout-protocol-only", "version-mismatch",
                ]))
            let protocolOnly = checks.first { $0.name == "stdout-protocol-only" }
            #expect(protocolOnly?.detail.contains("debug: starting up") == true)
        }

        @Test func missingExecutable_FailsSpawn() async {
            let checks = await ConformanceKit.run(
                executable: "/nonexistent/driver", logger: Logger("test", sink: S.LogCapture().sink))
            #expect(checks == [.fail("spawn", "/nonexistent/driver is not an executable file")])
        }

        @Test func runCommand_ExitsZeroOnlyWhenEverythingPasses_AndTwoOnUsageErrors() async {
            let out = S.LogCapture(), err = S.LogCapture()
            func run(_ args: [String]) async -> Int32 {
                await ConformanceKit.runCommand(
                    arguments: args, output: { out.sink.write($0) }, errors: { err.sink.write($0) })
            }
            #expect(await run([]) == 2)
            #expect(err.all == ["usage: codebeaker driver-test PATH [--language L]\n"])
            #expect(await run([S.fixture("exit-at-once.sh"), "--language", "bash"]) == 1)
            #expect(out.all.first == "FAIL handshake: the driver exited with code 3\n")
            #expect(out.all.last == "1 passed, 6 failed\n")
            #expect(await run([S.exampleBashDriver]) == 0)
            #expect(out.all.last == "13 passed, 0 failed\n")
        }
    }
}
