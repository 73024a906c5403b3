import Foundation
import Testing

@testable import Host

extension DriverProcessTests {
    @Suite struct Conformance {
        typealias S = DriverTestSupport

        @Test func exampleBashDriver_PassesEveryCheck_IsolationIncluded() async {
            let checks = await ConformanceKit.run(
                executable: S.exampleBashDriver, logger: Logger("test", sink: S.LogCapture().sink))
            let names = checks.map(\.name)
            #expect(
                names == ["handshake", "capabilities"] + ConformanceRules.sessionChecks + [
                    "unknown-method", "malformed-line", "garbage", "version-mismatch", "stdin-eof",
                    "stdout-protocol-only",
                ])
            #expect(checks.filter(\.failed).isEmpty, "\(checks.filter(\.failed))")
            // On codebeaker-sandbox it reports isolation 6: the isolation checks apply, and pass.
            #expect(checks.filter { $0.verdict == .skip }.isEmpty)
            #expect(ConformanceRules.isolationChecks.allSatisfy { r in checks.contains { $0.name == r && !$0.failed } })
        }

        /// The example with timeouts and caps taken out, claiming isolation 6 while unsandboxed.
        @Test func laxDriver_FailsTimeoutCapsAndIsolation() async {
            let checks = await ConformanceKit.run(
                executable: S.fixture("codebeaker-driver-lax"), logger: Logger("test", sink: S.LogCapture().sink))
            let failed = Set(checks.filter(\.failed).map(\.name))
            #expect(
                failed.isSuperset(of: [
                    "timeout", "output-cap", "queued-cancel", "no-network", "no-host-files", "no-leak",
                ]),
                "\(failed)")
            #expect(checks.allSatisfy { $0.verdict != .skip })
            let timeout = checks.first { $0.name == "timeout" }
            #expect(timeout?.description.hasSuffix("(docs/driver-protocol.md#execution-semantics)") == true)
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

        @Test func runCommand_ExitsOneOnAFailure_AndTwoOnUsageErrors() async {
            let out = S.LogCapture(), err = S.LogCapture()
            func run(_ args: [String]) async -> Int32 {
                await ConformanceKit.runCommand(
                    arguments: args, output: { out.sink.write($0) }, errors: { err.sink.write($0) })
            }
            #expect(await run([]) == 2)
            #expect(err.all == ["usage: codebeaker driver-test PATH [--language L]\n"])
            #expect(await run([S.fixture("exit-at-once.sh"), "--language", "bash"]) == 1)
            #expect(
                out.all.first
                    == "FAIL handshake: the driver exited with code 3 (docs/driver-protocol.md#handshake-first-request-always)\n"
            )
            #expect(out.all.last == "1 passed, 6 failed, 0 skipped\n")
            #expect(await run([S.fixture("codebeaker-driver-lax"), "--language=bash", "--bogus"]) == 2)
        }
    }
}
