import DriverProtocol
import LinuxSystem

/// `codebeaker exec SESSION …` and `codebeaker session create|close|list`, against `--server`.
enum SessionCommands {
    static func exec(_ o: CLIOptions, backend: any CancellableRPCBackend) async throws(CLIFailure) -> Int32 {
        let file = o.file ?? "-", sessionId = o.sessionId ?? ""
        var command: JSONObject = ["type": "execute_code", "code": .string(try ProgramInput.code(file))]
        if let language = o.language { command["language"] = .string(language) }
        if file != "-", let stdin = ProgramInput.standardInputIfPiped() { command["stdin"] = .string(stdin) }
        if let t = o.timeout { command["timeout"] = .int(t) }
        let params: JSONValue = ["sessionId": .string(sessionId), "stream": true, "command": .object(command)]
        let outcome: (result: JSONValue, sink: OutputSink)
        do {
            outcome = try await StreamedCall(backend: backend).run(
                "session.execute", params: params, sessionId: sessionId)
        } catch {
            throw CLIFailure(error)
        }
        return RunCommand.report(outcome.result, sink: outcome.sink)
    }

    static func manage(_ o: CLIOptions, backend: any CancellableRPCBackend) async throws(CLIFailure) -> Int32 {
        do throws(RPCCallError) {
            switch o.command {
            case .sessionCreate:
                let r = try await backend.call("session.create", params: createParams(o, stateful: false))
                StandardIO.out((r["sessionId"]?.string ?? "") + "\n")
            case .sessionClose:
                _ = try await backend.call("session.close", params: ["sessionId": .string(o.sessionId ?? "")])
            default:
                let r = try await backend.call("session.list")
                for s in r["sessions"]?.array ?? [] {
                    let fields = [
                        s["sessionId"]?.string ?? "?", s["language"]?.string ?? "?", s["state"]?.string ?? "?",
                        "\(s["executionCount"]?.int ?? 0)",
                    ]
                    StandardIO.out(fields.joined(separator: "\t") + "\n")
                }
            }
        } catch {
            throw CLIFailure(error)
        }
        return 0
    }

    static func createParams(_ o: CLIOptions, stateful: Bool) -> JSONValue {
        var p: JSONObject = ["language": .string(o.language ?? "")]
        if let m = o.memoryMB { p["memoryLimitMB"] = .int(m) }
        if o.network { p["network"] = true }
        if stateful { p["stateful"] = true }
        return .object(p)
    }
}
