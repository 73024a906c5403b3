import DriverProtocol

/// Turns a driver's run result (execute, shell, install) into the command's result and error text.
enum RunOutcome {
    /// The seed's `{exitCode, stdout, stderr, durationMs}` first, then our extra fields, then anything else
    /// the driver added (e.g. install's `installed`).
    static func map(_ driverResult: JSONValue) -> (success: Bool, result: JSONValue, error: String?) {
        let run = RunResult(json: driverResult)
        guard case .object(var o) = run.json else { return (false, .null, "malformed driver result") }
        if let extra = driverResult.object {
            for (k, v) in extra where o[k] == nil { o[k] = v }
        }
        return (run.succeeded, .object(o), run.succeeded ? nil : describe(run))
    }

    static func describe(_ run: RunResult) -> String {
        if run.cancelled { return run.reason ?? "cancelled" }
        if run.timedOut { return run.reason ?? "Timed out" }
        if let signal = run.signal { return run.reason ?? "Killed by signal \(signal)" }
        if let code = run.exitCode {
            var message = "Process exited with code \(code)"
            if let reason = run.reason { message += ": \(reason)" }
            return message
        }
        return run.reason ?? "Execution failed"
    }
}
