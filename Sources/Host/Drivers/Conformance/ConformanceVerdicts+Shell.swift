import DriverProtocol

extension ConformanceVerdicts {
    /// `printf` with arguments that a shell would split or expand: they must arrive verbatim.
    static func shellArgs(_ r: JSONValue, expected: String) -> ConformanceCheck {
        let name = "shell-args"
        let (result, bad) = Self.result(name, r)
        guard let result else { return bad! }
        let got = result["stdout"]?.string ?? ""
        guard result["exitCode"]?.int == 0, got == expected else {
            return .fail(
                name,
                "args must reach the command as argv: expected stdout \(JSONValue.string(expected)), got "
                    + "\(JSONValue.string(String(got.prefix(120)))) with exitCode \(show(result["exitCode"]))")
        }
        return .pass(name, "argv passed verbatim")
    }

    /// A command that does not exist: exit 127, a failed result with a reason, or an error with a message.
    static func missingCommand(_ r: JSONValue) -> ConformanceCheck {
        let name = "shell-missing-command"
        if let code = r.rpcErrorCode {
            let message = r["error"]?["message"]?.string ?? ""
            return message.isEmpty || code == DriverWire.ErrorCode.methodNotFound
                ? .fail(name, "error \(code) without a usable message") : .pass(name, "error \(code): \(message)")
        }
        guard let result = r["result"] else { return .fail(name, "neither a result nor an error") }
        let exit = result["exitCode"]?.int
        if exit == 127 { return .pass(name, "exitCode 127") }
        let reason = result["reason"]?.string ?? ""
        let stderr = result["stderr"]?.string ?? ""
        if let exit, exit != 0, !(reason + stderr).isEmpty { return .pass(name, "exitCode \(exit): \(reason)") }
        return .fail(
            name,
            "a missing command must give exitCode 127 or a failed result with a reason, got exitCode \(show(result["exitCode"]))"
        )
    }

    /// `pwd` in `cwd`: the sandbox path (or, for an unsandboxed driver, the same directory on the host).
    static func cwd(_ r: JSONValue, cwd: String, inside: String, hostPath: String) -> String? {
        let (result, bad) = Self.result("shell-cwd", r)
        guard let result else { return bad!.detail }
        let got = (result["stdout"]?.string ?? "").split(separator: "\n").first.map(String.init) ?? ""
        if result["exitCode"]?.int == 0 && (got == inside || got == hostPath) { return nil }
        return "cwd \(JSONValue.string(cwd)) must run in \(inside), got stdout \(JSONValue.string(got)) "
            + "and exitCode \(show(result["exitCode"]))"
    }

    /// A cwd that does not exist must not run the command as if all were well.
    static func missingCwd(_ r: JSONValue, cwd: String) -> String? {
        if r.rpcErrorCode != nil { return nil }
        if let exit = r["result"]?["exitCode"]?.int, exit != 0 { return nil }
        if r["result"]?["exitCode"]?.int == nil && r["result"]?["reason"]?.string != nil { return nil }
        return "a missing cwd \(JSONValue.string(cwd)) must fail (an error or a non-zero exit), got "
            + String(r.description.prefix(160))
    }

    /// Three runs in one session, the middle one cancelled while queued behind the first.
    struct Queue {
        var first: (index: Int, message: JSONValue)?
        var queued: (index: Int, message: JSONValue)?
        var last: (index: Int, message: JSONValue)?
        var cancelReply: JSONValue?
        /// The file the queued run would have written, found in the workspace.
        var queuedRan: Bool
        var lastExpected: String
    }

    static func queuedCancel(_ q: Queue) -> ConformanceCheck {
        let name = "queued-cancel"
        guard let queued = q.queued else { return .fail(name, "the cancelled queued run never got a reply") }
        let m = queued.message
        let cancelled = m.rpcErrorCode == DriverWire.ErrorCode.cancelled || m["result"]?["cancelled"]?.bool == true
        guard cancelled else {
            return .fail(name, "a queued run cancelled by id must end cancelled, got \(m.description.prefix(160))")
        }
        guard !q.queuedRan else { return .fail(name, "the cancelled queued run was run anyway") }
        guard q.cancelReply?["result"]?["cancelled"]?.bool == true else {
            return .fail(name, "cancel of a queued run must answer {cancelled:true}, got \(show(q.cancelReply))")
        }
        guard let first = q.first, first.message["result"]?["exitCode"]?.int == 0 else {
            return .fail(name, "the run ahead of it must still complete with exitCode 0, got \(show(q.first?.message))")
        }
        guard queued.index < first.index else {
            return .fail(
                name, "the queued run was answered only after the run ahead of it ended; cancel must be prompt")
        }
        guard let last = q.last, last.message["result"]?["stdout"]?.string == q.lastExpected else {
            return .fail(name, "the run queued after it must still complete, got \(show(q.last?.message))")
        }
        return .pass(name, "cancelled in the queue, before the running one ended; the others completed")
    }

    /// The program's output must not contain the host's canary (an env value or a file's content).
    static func canary(_ name: String, _ r: JSONValue, canary: String, what: String) -> ConformanceCheck {
        if r.rpcErrorCode != nil { return .pass(name, "the probe was refused") }
        let out = (r["result"]?["stdout"]?.string ?? "") + (r["result"]?["stderr"]?.string ?? "")
        return out.contains(canary)
            ? .fail(name, "the sandboxed program could read \(what)") : .pass(name, "\(what) not visible")
    }
}
