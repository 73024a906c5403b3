import DriverProtocol

/// The judgement half of the strict checks: pure functions from a driver's reply to a verdict, so each rule is
/// unit-tested without a driver. The probes that produce the replies live in the ConformanceKit+* files.
enum ConformanceVerdicts {
    /// The `result` object of a reply, or the failure to report when there is none.
    static func result(_ name: String, _ r: JSONValue) -> (JSONValue?, ConformanceCheck?) {
        if let code = r.rpcErrorCode {
            return (
                nil, .fail(name, "expected a run result, got error \(code): \(r["error"]?["message"]?.string ?? "")")
            )
        }
        guard let result = r["result"], result.object != nil else {
            return (nil, .fail(name, "the reply has no result object: \(r.description.prefix(160))"))
        }
        return (result, nil)
    }

    static func show(_ v: JSONValue?) -> String { v.map { String($0.description.prefix(80)) } ?? "absent" }

    /// A long sleep with a small `timeoutMs` ended near the timeout, flagged `timedOut`, and left no process.
    static func timeout(_ r: JSONValue, timeoutMs: Int, elapsedMs: Int, graceMs: Int, leftovers: [String])
        -> ConformanceCheck
    {
        let name = "timeout"
        let (result, bad) = Self.result(name, r)
        guard let result else { return bad! }
        guard result["timedOut"]?.bool == true else {
            return .fail(
                name,
                "a run past timeoutMs \(timeoutMs) must have timedOut:true, got timedOut \(show(result["timedOut"])), "
                    + "exitCode \(show(result["exitCode"])) after \(elapsedMs) ms")
        }
        guard elapsedMs <= timeoutMs + graceMs else {
            return .fail(name, "ended \(elapsedMs) ms after it started; timeoutMs was \(timeoutMs)")
        }
        if let code = result["exitCode"]?.int {
            return .fail(name, "a timed-out run has exitCode null, got \(code)")
        }
        guard leftovers.isEmpty else {
            return .fail(name, "the run's process tree was not killed: \(leftovers.joined(separator: "; "))")
        }
        return .pass(name, "timedOut after \(elapsedMs) ms (timeoutMs \(timeoutMs)), process tree gone")
    }

    /// Both streams printed far more than `cap` bytes: each kept at most `cap`, and both flags are set.
    static func outputCap(_ r: JSONValue, cap: Int) -> ConformanceCheck {
        let name = "output-cap"
        let (result, bad) = Self.result(name, r)
        guard let result else { return bad! }
        var problems: [String] = []
        for stream in ["stdout", "stderr"] {
            let kept = result[stream]?.string?.utf8.count ?? -1
            if kept < 0 { problems.append("\(stream) must be a string") }
            if kept > cap { problems.append("\(stream) kept \(kept) bytes, maxOutputBytes was \(cap)") }
            if kept == 0 { problems.append("\(stream) kept nothing; the first \(cap) bytes must be kept") }
            if result["\(stream)Truncated"]?.bool != true {
                problems.append("\(stream)Truncated must be true, got \(show(result["\(stream)Truncated"]))")
            }
        }
        if let t = result["truncated"], t.bool != true { problems.append("truncated must be true, got \(show(t))") }
        return problems.isEmpty
            ? .pass(name, "each stream cut to \(cap) bytes and flagged") : .fail(name, problems.joined(separator: "; "))
    }

    /// Numbered lines on both streams: each stream's text is in order; streamed events have `seq` 0,1,2,...,
    /// come before the result, and add up to each stream of the result.
    static func outputOrder(
        _ r: JSONValue, index: Int, events: [(index: Int, message: JSONValue)], stdout: String, stderr: String
    ) -> ConformanceCheck {
        let name = "output-order"
        let (result, bad) = Self.result(name, r)
        guard let result else { return bad! }
        for (stream, expected) in [("stdout", stdout), ("stderr", stderr)] where result[stream]?.string != expected {
            let got = result[stream]?.string ?? ""
            let at = zip(got, expected).prefix { $0 == $1 }.count
            return .fail(
                name,
                "\(stream) is not the program's lines in order (\(got.utf8.count) of \(expected.utf8.count) bytes, "
                    + "first difference at character \(at))")
        }
        let outputs = events.filter { $0.message["method"] == "output" }
        if outputs.isEmpty { return .pass(name, "both streams in order (not streamed)") }
        let seqs = outputs.compactMap { $0.message["params"]?["seq"]?.int }
        guard seqs == Array(0..<outputs.count) else {
            return .fail(name, "output seq must be 0,1,2,… across both streams; got \(seqs.prefix(20))")
        }
        guard outputs.allSatisfy({ $0.index < index }) else {
            return .fail(name, "an output event arrived after the result")
        }
        for (stream, expected) in [("stdout", stdout), ("stderr", stderr)] {
            let joined = outputs.filter { $0.message["params"]?["stream"]?.string == stream }
                .compactMap { $0.message["params"]?["data"]?.string }.joined()
            if joined != expected { return .fail(name, "the \(stream) events do not add up to result.\(stream)") }
        }
        return .pass(name, "both streams in order, \(outputs.count) events")
    }

    /// A program that killed itself with `signal` is reported as that signal, not as exit code 128+signal.
    static func signalDeath(_ r: JSONValue, signal: Int) -> ConformanceCheck {
        let name = "signal-death"
        let (result, bad) = Self.result(name, r)
        guard let result else { return bad! }
        let got = result["signal"]?.int
        if got == signal { return .pass(name, "signal \(signal)") }
        if got == nil, result["exitCode"]?.int == 128 + signal {
            return .fail(name, "a death by signal \(signal) was reported as exitCode \(128 + signal) with no signal")
        }
        return .fail(
            name,
            "expected signal \(signal), got signal \(show(result["signal"])), exitCode \(show(result["exitCode"]))")
    }
}
