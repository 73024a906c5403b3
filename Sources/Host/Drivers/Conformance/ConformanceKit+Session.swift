import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem

extension ConformanceKit {
    /// Opens a session on a temporary workspace and runs the language's snippets and the strict probes through it.
    static func sessionChecks(
        _ h: ConformanceHarness, capabilities caps: JSONValue, language: String?, canary: ConformanceCanary,
        add: (ConformanceCheck) -> Void
    ) async {
        if caps["available"]?.bool == false {
            let why = "runtime unavailable: \(caps["unavailableReason"]?.string ?? "no reason given")"
            for name in ConformanceRules.sessionChecks { add(.fail(name, why)) }
            return
        }
        let lang = language ?? caps["languages"]?.array?.first?["name"]?.string
        let snippets = ConformanceSnippets.forLanguage(lang)
        let streaming = caps["streaming"]?.bool ?? false
        guard let workspace = makeWorkspace() else {
            for name in ConformanceRules.sessionChecks { add(.fail(name, "could not create a temporary workspace")) }
            return
        }
        defer { try? FileManager.default.removeItem(atPath: workspace) }

        let open = await openSession(h, workspace: workspace, language: lang, handle: nil)
        guard case .success(let handle) = open else {
            if case .failure(let why) = open { add(.fail("session-open", why.message)) }
            for name in ConformanceRules.sessionChecks.dropFirst() { add(.fail(name, "skipped: session.open failed")) }
            return
        }
        add(.pass("session-open", "language \(lang ?? "shell"), handle \(handle.prefix(40))"))

        func send(_ p: ConformanceSnippets.Program, stream: Bool) -> Int {
            let (method, params) = request(p, handle: handle, language: lang, stream: stream)
            return h.send(method, params)
        }

        // Streamed hello world: ordered events, all before the result, adding up to its stdout.
        let helloId = send(snippets.hello, stream: true)
        if let (index, r) = await h.response(to: helloId, timeout: 60) {
            add(checkStreamed(r, index: index, events: h.events(for: helloId), streaming: streaming))
        } else {
            add(.fail("execute-streaming", h.noReply(within: 60)))
        }

        let failId = send(snippets.failing, stream: false)
        if let (_, r) = await h.response(to: failId, timeout: 60) {
            if let code = r.rpcErrorCode {
                add(.fail("nonzero-exit", "a failing program must give a result, not error \(code)"))
            } else if let exit = r["result"]?["exitCode"]?.int, exit != 0 {
                add(.pass("nonzero-exit", "exitCode \(exit)"))
            } else {
                add(
                    .fail(
                        "nonzero-exit",
                        "expected a non-zero exitCode, got \(r["result"]?["exitCode"]?.description ?? "none")"))
            }
        } else {
            add(.fail("nonzero-exit", h.noReply(within: 60)))
        }

        add(await checkCancel(h, sleepId: send(snippets.sleeping, stream: false)))

        let isolation = caps["isolationLevel"]?.int ?? 0
        var s = ConformanceSession(
            h: h, handle: handle, language: lang, workspace: workspace, isolation: isolation, streaming: streaming)
        await strictChecks(s, canary: canary, add: add)

        let (reopen, newHandle) = await checkReopen(s)
        add(reopen)
        if let newHandle { s.handle = newHandle }
        let isolated = isolation >= ConformanceRules.minimumIsolation
        let leakMarker = isolated ? await startLeakers(s) : nil
        add(await checkClose(h, handle: s.handle))
        if let leakMarker {
            add(await checkNoLeak(marker: leakMarker))
        } else {
            add(.skip("no-leak", "driver reports isolation \(isolation)"))
        }
        add(await checkOpenAfterClose(s))
    }

    static func request(_ p: ConformanceSnippets.Program, handle: String, language: String?, stream: Bool) -> (
        String, JSONValue
    ) {
        switch p {
        case .code(let code):
            let e = ExecuteParams(
                session: sessionId, handle: handle, language: language, code: code, timeoutMs: 60_000, stream: stream)
            return (ExecuteParams.method, e.json)
        case .shell(let command, let args):
            let s = ShellParams(
                session: sessionId, handle: handle, command: command, args: args, timeoutMs: 60_000, stream: stream)
            return (ShellParams.method, s.json)
        }
    }

    static func checkStreamed(_ r: JSONValue, index: Int, events: [(index: Int, message: JSONValue)], streaming: Bool)
        -> ConformanceCheck
    {
        let name = "execute-streaming"
        if let code = r.rpcErrorCode { return .fail(name, "error \(code): \(r["error"]?["message"]?.string ?? "")") }
        guard let result = r["result"], let stdout = result["stdout"]?.string else {
            return .fail(name, "result.stdout must be a string")
        }
        guard stdout.contains(ConformanceSnippets.marker) else {
            return .fail(
                name,
                "stdout was \(JSONValue.string(String(stdout.prefix(200)))), expected \(ConformanceSnippets.marker)")
        }
        guard result["exitCode"]?.int == 0 else {
            return .fail(name, "exitCode must be 0, got \(result["exitCode"]?.description ?? "none")")
        }
        let outputs = events.filter { $0.message["method"] == "output" }
        if outputs.isEmpty {
            return streaming
                ? .fail(name, "stream:true but no output events") : .pass(name, "driver does not stream; result ok")
        }
        let seqs = outputs.compactMap { $0.message["params"]?["seq"]?.int }
        guard seqs == Array(0..<outputs.count) else { return .fail(name, "output seq must be 0,1,2,…; got \(seqs)") }
        guard outputs.allSatisfy({ $0.index < index }) else {
            return .fail(name, "an output event arrived after the result")
        }
        guard outputs.allSatisfy({ $0.message["params"]?["session"]?.string == sessionId }) else {
            return .fail(name, "output events must carry the session id")
        }
        let streamed = outputs.filter { $0.message["params"]?["stream"] == "stdout" }.compactMap {
            $0.message["params"]?["data"]?.string
        }.joined()
        guard streamed == stdout else {
            return .fail(name, "streamed stdout \(JSONValue.string(streamed)) differs from result.stdout")
        }
        return .pass(name, "\(outputs.count) output event(s) in order before the result")
    }

    static func checkCancel(_ h: ConformanceHarness, sleepId: Int) async -> ConformanceCheck {
        let name = "cancel"
        try? await Task.sleep(for: .seconds(1))
        if let (_, early) = await h.response(to: sleepId, timeout: 0) {
            return .fail(name, "the sleeping program ended before the cancel: \(early.description.prefix(200))")
        }
        let started = DriverClock.now()
        let cancelId = h.send(CancelParams.method, CancelParams(request: sleepId).json)
        guard let (_, r) = await h.response(to: sleepId, timeout: 10) else {
            return .fail(name, "the cancelled execution did not end within 10 s")
        }
        let elapsed = Int((DriverClock.now() - started) * 1000)
        guard let reply = await h.response(to: cancelId, timeout: 5)?.message,
            reply["result"]?["cancelled"]?.bool != nil
        else {
            return .fail(name, "cancel must answer {cancelled: bool}")
        }
        if r.rpcErrorCode == DriverWire.ErrorCode.cancelled { return .pass(name, "error -32003 after \(elapsed) ms") }
        guard let result = r["result"] else {
            return .fail(name, "expected a result with cancelled:true, got \(r.description.prefix(200))")
        }
        let stopped =
            result["cancelled"]?.bool == true || result["signal"]?.int != nil || (result["exitCode"]?.int ?? 0) != 0
        guard stopped else {
            return .fail(name, "result does not show the run was stopped: \(result.description.prefix(200))")
        }
        return elapsed <= 5000
            ? .pass(name, "stopped \(elapsed) ms after cancel") : .fail(name, "took \(elapsed) ms to stop")
    }

    /// A fresh directory owned by the session uid, as the host would create it.
    static func makeWorkspace() -> String? {
        var template = Array("/tmp/codebeaker-conformance-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { return nil }
        let path = String(cString: p)
        _ = chown(path, sessionUID, sessionUID)  // best effort when not root
        _ = chmod(path, 0o755)
        return path
    }
}
