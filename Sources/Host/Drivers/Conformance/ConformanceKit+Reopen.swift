import DriverProtocol
import Glibc
import LinuxSystem

extension ConformanceKit {
    struct OpenFailure: Error { var message: String }

    /// `session.open` of the kit's session on `workspace` (re-adopting `handle` if given): the handle, or why not.
    static func openSession(_ h: ConformanceHarness, workspace: String, language: String?, handle: String?) async
        -> Result<String, OpenFailure>
    {
        let options = SessionOpenOptions(uid: Int(sessionUID), gid: Int(sessionUID), permissions: .object(JSONObject()))
        let params = SessionOpenParams(
            session: sessionId, workspace: workspace, language: language, handle: handle, options: options)
        guard let r = await h.call(SessionOpenParams.method, params.json, timeout: 120) else {
            return .failure(.init(message: h.noReply(within: 120)))
        }
        if let code = r.rpcErrorCode {
            return .failure(.init(message: "error \(code): \(r["error"]?["message"]?.string ?? "")"))
        }
        guard let handle = r["result"]?["handle"]?.string else {
            return .failure(.init(message: "result.handle must be a string"))
        }
        return .success(handle)
    }

    /// The probes any sandboxed or unsandboxed driver must pass, then the isolation ones (skipped below level 2).
    static func strictChecks(_ s: ConformanceSession, canary: ConformanceCanary, add: (ConformanceCheck) -> Void)
        async
    {
        add(await checkTimeout(s))
        add(await checkOutputCap(s))
        add(await checkOutputOrder(s))
        add(await checkSignalDeath(s))
        add(await checkShellArgs(s))
        add(await checkMissingCommand(s))
        add(await checkCwd(s))
        add(await checkQueuedCancel(s))
        guard s.isolation >= ConformanceRules.minimumIsolation else {
            for name in ["no-host-env", "no-host-files", "no-network"] {
                add(.skip(name, "driver reports isolation \(s.isolation)"))
            }
            return
        }
        add(await checkHostEnv(s, canary))
        add(await checkHostFiles(s, canary))
        add(await checkNetwork(s))
    }

    /// `session.open` twice more for the open session (as a host does after a reconnect and after a driver
    /// restart, with the handle): both succeed and the workspace's files are still there.
    static func checkReopen(_ s: ConformanceSession) async -> (ConformanceCheck, String?) {
        let name = "reopen"
        let content = "cbkit-reopen-\(marker())"
        guard writeFile(s.workspace + "/cbkit-reopen.txt", content) else {
            return (.fail(name, "could not write a file in the workspace"), nil)
        }
        var handle = s.handle
        for (what, given) in [("a second session.open", nil), ("a session.open with its handle", s.handle)] {
            switch await openSession(s.h, workspace: s.workspace, language: s.language, handle: given) {
            case .success(let h): handle = h
            case .failure(let why): return (.fail(name, "\(what) of an open session failed: \(why.message)"), nil)
            }
        }
        var now = s
        now.handle = handle
        let run = await now.shell("cat", ["cbkit-reopen.txt"], wait: 30)
        guard let (_, r) = run.reply else { return (now.noReply(name, within: 30), handle) }
        guard r["result"]?["stdout"]?.string == content else {
            return (
                .fail(
                    name,
                    "after re-opening, the workspace file reads \(ConformanceVerdicts.show(r["result"]?["stdout"]))"),
                handle
            )
        }
        return (.pass(name, handle == s.handle ? "same handle, files intact" : "new handle, files intact"), handle)
    }

    /// `session.close` answers `{closed:true}`, and closing again is not an error.
    static func checkClose(_ h: ConformanceHarness, handle: String) async -> ConformanceCheck {
        let close = SessionCloseParams(session: sessionId, handle: handle)
        let closed = await h.call(SessionCloseParams.method, close.json, timeout: 30)
        let again = await h.call(SessionCloseParams.method, close.json, timeout: 30)
        if closed?["result"]?["closed"]?.bool != true {
            return .fail("session-close", "expected result {closed:true}, got \(closed?.description ?? "no reply")")
        }
        if again?["result"] == nil {
            return .fail("session-close", "closing twice must not be an error, got \(again?.description ?? "no reply")")
        }
        return .pass("session-close", "idempotent")
    }

    /// The same session id opened again after its close works like a new session.
    static func checkOpenAfterClose(_ s: ConformanceSession) async -> ConformanceCheck {
        let name = "open-after-close"
        guard
            case .success(let handle) = await openSession(
                s.h, workspace: s.workspace, language: s.language, handle: nil)
        else { return .fail(name, "session.open after session.close failed") }
        var again = s
        again.handle = handle
        let run = await again.shell("echo", ["cbkit-again"], wait: 60)
        _ = await s.h.call(
            SessionCloseParams.method, SessionCloseParams(session: sessionId, handle: handle).json, timeout: 30)
        guard let (_, r) = run.reply else { return again.noReply(name, within: 60) }
        guard r["result"]?["stdout"]?.string == "cbkit-again\n" else {
            return .fail(name, "a run in the re-opened session gave \(r.description.prefix(160))")
        }
        return .pass(name, "a closed session opens again and runs")
    }
}
