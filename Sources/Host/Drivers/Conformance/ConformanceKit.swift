import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem

/// `codebeaker driver-test PATH [--language L]`: runs a driver executable through docs/driver-protocol.md and
/// reports one check per line. Any driver, in any language, that passes is one the host can supervise.
public enum ConformanceKit: Sendable {
    /// The unprivileged identity the kit's temporary workspace belongs to, as the host's would.
    /// Random per run, near the top of the host's range (which hands out low uids first), so the no-leak check can
    /// tell this run's processes from any other's.
    public static let sessionUID = UInt32.random(in: 165_400...165_499)
    static let sessionId = "s_conformance"

    public static func run(executable: String, logger: Logger) async -> [ConformanceCheck] {
        await run(executable: executable, language: nil, logger: logger, report: nil)
    }

    /// `language` overrides the driver's first declared language; `report` sees each check as it completes.
    public static func run(
        executable: String, language: String?, logger: Logger,
        report: (@Sendable (ConformanceCheck) -> Void)?
    ) async -> [ConformanceCheck] {
        var checks: [ConformanceCheck] = []
        var last = DriverClock.now()
        func add(_ c: ConformanceCheck) {
            var c = c
            let now = DriverClock.now()
            c.durationMs = Int((now - last) * 1000)
            last = now
            checks.append(c)
            report?(c)
        }
        guard access(executable, X_OK) == 0 else {
            add(.fail("spawn", "\(executable) is not an executable file"))
            return checks
        }
        let canary = ConformanceCanary()
        defer { canary.remove() }
        let main: ConformanceHarness
        let env = [ConformanceCanary.envName: canary.envValue]
        do { main = try await ConformanceHarness(executable: executable, environment: env, logger: logger) } catch {
            add(.fail("spawn", "could not start \(executable): \(error)"))
            return checks
        }
        let (handshake, caps) = await checkHandshake(main)
        add(handshake)
        if let caps {
            add(checkCapabilities(caps))
            await sessionChecks(main, capabilities: caps, language: language, canary: canary, add: add)
        }
        add(await checkUnknownMethod(main))
        add(await checkMalformedLine(main))
        add(await checkGarbage(main))
        let (mismatch, second) = await checkVersionMismatch(executable: executable, logger: logger)
        add(mismatch)
        add(await checkStdinEOF(main))
        let violations = main.violations + (second?.violations ?? [])
        add(
            violations.isEmpty
                ? .pass("stdout-protocol-only")
                : .fail(
                    "stdout-protocol-only", "\(violations.count) non-protocol stdout line(s), first: \(violations[0])"))
        await main.close()
        await second?.close()
        return checks
    }

    /// Entry point of `codebeaker driver-test`. Prints `PASS name` / `FAIL name: why` lines and a summary;
    /// returns 0 iff no check failed (skips are listed), 2 on a usage error.
    public static func runCommand(arguments: [String]) async -> Int32 {
        await runCommand(arguments: arguments, output: { StandardIO.out($0) }, errors: { StandardIO.err($0) })
    }

    /// `runCommand` with its output redirected (tests).
    public static func runCommand(
        arguments: [String], output: @escaping @Sendable (String) -> Void,
        errors: @escaping @Sendable (String) -> Void
    ) async -> Int32 {
        var path: String?
        var language: String?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--language" || a == "-l", i + 1 < arguments.count {
                language = arguments[i + 1]; i += 1
            } else if a.hasPrefix("--language=") {
                language = String(a.dropFirst("--language=".count))
            } else if a == "-h" || a == "--help" {
                output("\(usage)\n"); return 0
            } else if path == nil && !a.hasPrefix("-") {
                path = a
            } else {
                errors("driver-test: unexpected argument \(a)\n\(usage)\n")
                return 2
            }
            i += 1
        }
        guard let path else {
            errors("\(usage)\n")
            return 2
        }
        let checks = await run(
            executable: path, language: language, logger: Logger("driver-test"),
            report: { c in
                output("\(c)\n")
            })
        output(ConformanceCheck.summary(checks) + "\n")
        return checks.contains(where: \.failed) ? 1 : 0
    }

    static let usage = "usage: codebeaker driver-test PATH [--language L]"

    static func checkHandshake(_ h: ConformanceHarness) async -> (ConformanceCheck, JSONValue?) {
        let name = "handshake"
        let params = HandshakeParams(
            protocolVersions: [1], host: PeerInfo(name: "codebeaker-driver-test", version: "0.1.0"))
        guard let r = await h.call(HandshakeParams.method, params.json, timeout: 10) else {
            return (.fail(name, h.noReply(within: 10)), nil)
        }
        if let code = r.rpcErrorCode {
            return (.fail(name, "error \(code): \(r["error"]?["message"]?.string ?? "")"), nil)
        }
        guard let result = r["result"], result["protocolVersion"]?.int == 1 else {
            return (
                .fail(
                    name,
                    "result.protocolVersion must be 1, got \(r["result"]?["protocolVersion"]?.description ?? "nothing")"
                ), nil
            )
        }
        guard let dname = result["driver"]?["name"]?.string, let dversion = result["driver"]?["version"]?.string else {
            return (.fail(name, "result.driver.name and result.driver.version must be strings"), nil)
        }
        guard let caps = result["capabilities"], caps.object != nil else {
            return (.fail(name, "result.capabilities must be an object"), nil)
        }
        return (.pass(name, "\(dname) \(dversion), protocol 1"), caps)
    }

    /// Strict typing of the documented capability fields (the host itself decodes leniently).
    static func checkCapabilities(_ caps: JSONValue) -> ConformanceCheck {
        var problems: [String] = []
        let languages = caps["languages"]?.array ?? []
        if languages.isEmpty { problems.append("languages must be a non-empty array") }
        for l in languages {
            if (l["name"]?.string ?? "").isEmpty { problems.append("every language needs a name") }
            for key in ["aliases", "extensions"]
            where l[key] != nil && l[key]?.array?.allSatisfy({ $0.string != nil }) != true {
                problems.append("language \(key) must be an array of strings")
            }
        }
        if caps["runtimeType"]?.string == nil { problems.append("runtimeType must be a string") }
        if let iso = caps["isolationLevel"]?.int {
            if !(0...10).contains(iso) { problems.append("isolationLevel must be 0-10") }
        } else {
            problems.append("isolationLevel must be an integer 0-10")
        }
        for key in ["startupMs", "memoryMB"] where caps[key] != nil && (caps[key]?.int ?? -1) < 0 {
            problems.append("\(key) must be a non-negative integer")
        }
        if let pm = caps["packageManagers"], pm.array?.allSatisfy({ $0.string != nil }) != true {
            problems.append("packageManagers must be an array of strings")
        }
        for key in ["stateful", "interrupt", "streaming", "networkControl"]
        where caps[key] != nil && caps[key]?.bool == nil {
            problems.append("\(key) must be a boolean")
        }
        guard let available = caps["available"]?.bool else {
            problems.append("available must be a boolean");
            return .fail("capabilities", problems.joined(separator: "; "))
        }
        if !available && caps["unavailableReason"]?.string == nil {
            problems.append("available:false needs unavailableReason")
        }
        if !problems.isEmpty { return .fail("capabilities", problems.joined(separator: "; ")) }
        let names = languages.compactMap { $0["name"]?.string }.joined(separator: ",")
        return .pass(
            "capabilities",
            "languages \(names), isolation \(caps["isolationLevel"]?.int ?? 0)" + (available ? "" : ", unavailable"))
    }
}
