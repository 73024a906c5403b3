import DriverProtocol

/// Turns a driver's run result (execute, shell, install) into the command's result and error text.
enum RunOutcome {
    /// The seed's `{exitCode, stdout, stderr, durationMs}` first, then our extra fields, then anything else
    /// the driver added (e.g. install's `installed`).
    static func map(_ reply: RunReply) -> (success: Bool, result: JSONValue, error: String?) {
        (reply.run.succeeded, reply.json, reply.run.succeeded ? nil : describe(reply.run))
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
