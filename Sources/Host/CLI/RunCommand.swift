import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem

/// `codebeaker run FILE | -l LANG -`: one `execution.run` (its own session, closed after), streamed.
enum RunCommand {
    static func run(_ o: CLIOptions, backend: any CancellableRPCBackend, embedded: EmbeddedHost?)
        async throws(CLIFailure) -> Int32
    {
        let file = o.file ?? "-"
        let code = try ProgramInput.code(file)
        let language = try await ProgramInput.language(o, file: file, backend: backend, embedded: embedded)
        var params: JSONObject = ["language": .string(language), "code": .string(code), "stream": true]
        if file != "-", let stdin = ProgramInput.standardInputIfPiped() { params["stdin"] = .string(stdin) }
        if let t = o.timeout { params["timeout"] = .int(t) }
        if let m = o.memoryMB { params["memoryLimitMB"] = .int(m) }
        if o.network { params["network"] = true }
        let outcome: (result: JSONValue, sink: OutputSink)
        do {
            outcome = try await StreamedCall(backend: backend).run(
                "execution.run", params: .object(params), sessionId: nil)
        } catch {
            throw CLIFailure(error)
        }
        return report(outcome.result, sink: outcome.sink)
    }

    /// Prints what was not streamed and the notices (truncation, a failure that is not the program's exit
    /// status); returns the exit code.
    static func report(_ result: JSONValue, sink: OutputSink) -> Int32 {
        sink.finish(result)
        if sink.brokenPipe { return 128 + SIGPIPE }
        if result["stdoutTruncated"]?.bool == true || result["stderrTruncated"]?.bool == true
            || result["truncated"]?.bool == true
        {
            StandardIO.err("codebeaker: output truncated (the server keeps at most maxOutputBytes per stream)\n")
        }
        let status = CLIExitStatus.code(for: result)
        // On a terminal the shell's prompt would follow the echoed ^C on the same line.
        if result["cancelled"]?.bool == true, isatty(2) != 0 { StandardIO.err("\ncodebeaker: cancelled\n") }
        // A plain non-zero exit speaks for itself; anything else (timeout, signal, memory) gets one line.
        if result["exitCode"]?.int == nil || result["timedOut"]?.bool == true, result["cancelled"]?.bool != true,
            let error = result["error"]?.string, !error.isEmpty
        {
            StandardIO.err("codebeaker: \(error)\n")
        }
        return status
    }
}
