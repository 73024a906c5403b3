/// Where each rule of the conformance kit is written down, so a failure points at the text it broke.
enum ConformanceRules {
    static let doc = "docs/driver-protocol.md"

    /// Rule name -> section anchor of docs/driver-protocol.md.
    static let anchors: [String: String] = [
        "spawn": "how-the-host-runs-your-executable",
        "handshake": "handshake-first-request-always",
        "version-mismatch": "handshake-first-request-always",
        "capabilities": "capabilities",
        "session-open": "sessionopen",
        "reopen": "sessionopen",
        "open-after-close": "sessionopen",
        "session-close": "sessionclose",
        "execute-streaming": "events",
        "output-order": "events",
        "nonzero-exit": "shell",
        "output-cap": "shell",
        "signal-death": "shell",
        "shell-args": "shell",
        "shell-missing-command": "shell",
        "timeout": "execution-semantics",
        "shell-cwd": "execution-semantics",
        "cancel": "cancel",
        "queued-cancel": "cancel",
        "no-leak": "isolation",
        "no-network": "isolation",
        "no-host-env": "isolation",
        "no-host-files": "isolation",
        "unknown-method": "errors",
        "malformed-line": "messages",
        "garbage": "messages",
        "stdin-eof": "framing",
        "stdout-protocol-only": "framing",
    ]

    /// `docs/driver-protocol.md#section` for a rule (the page itself for an unknown name).
    static func docLink(_ rule: String) -> String {
        anchors[rule].map { "\(doc)#\($0)" } ?? doc
    }

    /// The checks that need a session, in the order they run (all fail together when the runtime is unavailable).
    static let sessionChecks = [
        "session-open", "execute-streaming", "nonzero-exit", "cancel", "timeout", "output-cap", "output-order",
        "signal-death", "shell-args", "shell-missing-command", "shell-cwd", "queued-cancel", "no-host-env",
        "no-host-files", "no-network", "reopen", "session-close", "no-leak", "open-after-close",
    ]

    /// Checks that only a sandbox can pass: skipped (visibly) for a driver that reports isolationLevel < 2.
    static let isolationChecks: Set<String> = ["no-host-env", "no-host-files", "no-network", "no-leak"]
    static let minimumIsolation = 2
}
