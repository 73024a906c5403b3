/// A started session (or pool) container with its runner attached.
struct LiveContainer: Sendable {
    var id: String
    var image: String
    /// The pool slot whose mount shows the workspace, or nil when the workspace is bound directly.
    var slot: String?
    var channel: RunnerChannel
}

/// Labels every container of this driver carries; `docker ps --filter label=codebeaker.driver=docker` finds them all.
enum ContainerLabels {
    static let driver = "codebeaker.driver"
    static let instance = "codebeaker.instance"
    static let session = "codebeaker.session"
    static let slot = "codebeaker.slot"
    static let pool = "codebeaker.pool"
    /// A short-lived install container (value: the session id); owned by no session, swept if left behind.
    static let installer = "codebeaker.installer"
    /// The host process that created it (`HostInstance.defaultName()`), whatever the instance is called.
    static let host = "codebeaker.host"

    static let poolNamePrefix = "codebeaker-pool-"

    /// A Docker container name for a session id (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`).
    static func containerName(session: String) -> String {
        let safe = String(
            session.map { c -> Character in
                return (c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "." || c == "-")) ? c : "_"
            })
        return "codebeaker-\(safe.prefix(100))"
    }
}
