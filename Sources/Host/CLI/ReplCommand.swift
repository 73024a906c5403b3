import DriverProtocol
import Glibc
import LinuxSystem

/// `codebeaker repl -l LANG`: a stateful session (a plain one, with a notice, where the runtime has no
/// stateful mode); each cell is an `execute_code`, streamed. Prompts only when stdin is a terminal.
enum ReplCommand {
    static func run(_ o: CLIOptions, backend: any CancellableRPCBackend, embedded: EmbeddedHost?)
        async throws(CLIFailure) -> Int32
    {
        var language = o.language ?? ""
        if let embedded {
            do { language = try await embedded.waitForLanguage(language, byExtension: false) } catch {
                throw CLIFailure(error.message)
            }
        }
        var opts = o
        opts.language = language
        let sessionId = try await createSession(opts, backend: backend, embedded: embedded)
        let interactive = isatty(0) != 0
        if interactive { Interrupts.shared.setIdle { StandardIO.out("\nKeyboardInterrupt\n>>> ") } }
        var reader = CellReader()
        while true {
            if interactive { StandardIO.out(reader.inBlock ? "... " : ">>> ") }
            let line = await LineInput.next()
            guard let cell = line.map({ reader.feed($0) }) ?? reader.finish() else {
                if line == nil { break }
                continue
            }
            try await runCell(cell, sessionId: sessionId, timeout: o.timeout, backend: backend)
            if line == nil { break }
        }
        if interactive { StandardIO.out("\n") }
        Interrupts.shared.setIdle(nil)
        _ = try? await backend.call("session.close", params: ["sessionId": .string(sessionId)])
        return 0
    }

    static func createSession(_ o: CLIOptions, backend: any CancellableRPCBackend, embedded: EmbeddedHost?)
        async throws(CLIFailure) -> String
    {
        let stateful = SessionCommands.createParams(o, stateful: true)
        /// nil: the runtime has no stateful mode.
        func create(_ params: JSONValue) async throws(RPCCallError) -> JSONValue? {
            do { return try await backend.call("session.create", params: params) } catch .server(-32602, _, let data)
                where data?["field"]?.string == "stateful"
            { return nil }
        }
        do throws(RPCCallError) {
            var r = try await create(stateful)
            if r == nil, let embedded {
                // The embedded host's first ready driver for the language may not be the stateful one (that
                // one may still be starting): wait for every driver, then ask again.
                _ = await embedded.host.registry.waitUntilSettled(timeout: 30)
                r = try await create(stateful)
            }
            if r == nil {
                StandardIO.err("codebeaker repl: this runtime keeps no state between cells; each runs afresh\n")
                r = try await backend.call("session.create", params: SessionCommands.createParams(o, stateful: false))
            }
            return r?["sessionId"]?.string ?? ""
        } catch {
            throw CLIFailure(error)
        }
    }

    static func runCell(_ code: String, sessionId: String, timeout: Int?, backend: any CancellableRPCBackend)
        async throws(CLIFailure)
    {
        var command: JSONObject = ["type": "execute_code", "code": .string(code)]
        if let timeout { command["timeout"] = .int(timeout) }
        let params: JSONValue = ["sessionId": .string(sessionId), "stream": true, "command": .object(command)]
        do {
            let (result, sink) = try await StreamedCall(backend: backend).run(
                "session.execute", params: params, sessionId: sessionId)
            sink.finish(result)
            if result["cancelled"]?.bool == true {
                StandardIO.err("cancelled\n")
            } else if result["exitCode"]?.int == nil || result["timedOut"]?.bool == true,
                let error = result["error"]?.string
            {
                StandardIO.err("codebeaker: \(error)\n")
            }
        } catch .transport(let reason) {
            throw CLIFailure(reason)
        } catch {
            StandardIO.err("codebeaker: \(error.description)\n")  // a refused cell; the session goes on
        }
    }
}

/// Reads standard input a line at a time on a thread of its own, off the Swift concurrency pool.
enum LineInput {
    static func next() async -> String? {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            OSThread.start(name: "cb-stdin") { c.resume(returning: readLine(strippingNewline: true)) }
        }
    }
}
