public import DriverProtocol

extension SecurityLayer {
    /// After an execution ran (code, shell or install): counts it by language, runtime and outcome,
    /// observes its duration and audits it. `error` is a driver/host error when there is no run result.
    public func recordExecution(
        principal: String, session: String, event: AuditEventType = .codeExecution,
        language: String, runtime: String, result: RunResult?, error: String? = nil,
        details: JSONObject = JSONObject()
    ) {
        let outcome: String
        switch (result, error) {
        case (let r?, nil) where r.timedOut: outcome = "timeout"
        case (let r?, nil) where r.cancelled: outcome = "cancelled"
        case (let r?, nil) where r.succeeded: outcome = "success"
        case (_?, nil): outcome = "failure"
        default: outcome = "error"
        }
        metrics.recordExecution(
            language: language, runtime: runtime, outcome: outcome, seconds: Double(result?.durationMs ?? 0) / 1000)
        var d = details
        d["language"] = .string(language)
        d["runtime"] = .string(runtime)
        d["result"] = .string(outcome)
        if let r = result {
            d["exitCode"] = JSONValue(r.exitCode)
            d["durationMs"] = .int(r.durationMs)
            if r.truncated { d["truncated"] = true }
            if let reason = r.reason { d["reason"] = .string(reason) }
        }
        if let error { d["error"] = .string(Self.preview(error)) }
        audit?.record(
            event, principal: principal, session: session, outcome: outcome == "success" ? .success : .failure,
            details: d)
    }

    /// After a command ran, when only success, duration and an error text are known (the session policy's
    /// `didRun`). Executions (code, shell, install) are counted and timed; every command is audited.
    public func recordCommand(
        principal: String, session: String, event: AuditEventType, language: String, runtime: String,
        success: Bool, durationMs: Int, error: String?, details: JSONObject = JSONObject()
    ) {
        var d = details
        d["durationMs"] = .int(durationMs)
        if let error { d["error"] = .string(Self.preview(error)) }
        switch event {
        case .codeExecution, .shellCommand, .packageInstall:
            let outcome =
                success ? "success" : (error?.lowercased().contains("timed out") == true ? "timeout" : "failure")
            metrics.recordExecution(
                language: language, runtime: runtime, outcome: outcome, seconds: Double(durationMs) / 1000)
            d["language"] = .string(language)
            d["runtime"] = .string(runtime)
            d["result"] = .string(outcome)
        default:
            break
        }
        audit?.record(event, principal: principal, session: session, outcome: success ? .success : .failure, details: d)
    }

    /// After a file command ran: audits FileRead/FileWrite/FileDelete/DirectoryCreate.
    public func recordFileOp(
        principal: String, session: String, operation: FileOperation, path: String,
        destination: String? = nil, success: Bool, details: JSONObject = JSONObject()
    ) {
        var d = details
        d["operation"] = .string(operation.rawValue)
        d["path"] = .string(Self.preview(path))
        if let destination { d["destination"] = .string(Self.preview(destination)) }
        audit?.record(
            operation.auditEvent, principal: principal, session: session, outcome: success ? .success : .failure,
            details: d)
    }

    /// Caps output at the session's `maxOutputLength` (UTF-8 bytes) on a character boundary.
    public func sanitizeOutput(_ text: String, session: String? = nil) -> (String, truncated: Bool) {
        let r = OutputSanitizer.sanitize(text, limit: effectiveConfig(session: session).maxOutputLength)
        return (r.text, r.truncated)
    }

    /// Decodes raw output (invalid UTF-8 becomes U+FFFD) and caps it like `sanitizeOutput(_:session:)`.
    public func sanitizeOutput(bytes: [UInt8], session: String? = nil) -> (String, truncated: Bool) {
        let r = OutputSanitizer.sanitize(bytes: bytes, limit: effectiveConfig(session: session).maxOutputLength)
        return (r.text, r.truncated)
    }
}
