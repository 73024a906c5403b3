public import DriverProtocol

/// Connects the security layer to the session manager: every `will…` may refuse with the layer's RPCError,
/// every `did…` feeds the audit log and the metrics.
public struct SecuritySessionPolicy: SessionPolicy {
    public let security: SecurityLayer
    public init(_ security: SecurityLayer) { self.security = security }

    /// Reserves one of the principal's `maxSessionsPerPrincipal` slots until `didCreate` binds it or
    /// `didFailCreate` gives it back, so concurrent creations cannot overshoot the limit.
    public func willCreate(principal: String, params: JSONValue) throws(RPCError) {
        try security.checkNetwork(principal: principal, params: params)
        try security.checkCreate(principal: principal, reserve: true)
    }

    public func didFailCreate(principal: String) {
        security.createFailed(principal: principal)
    }

    public func didThrottle(principal: String, session: String, rule: String, message: String, retryAfterMs: Int)
        -> RPCError
    {
        security.throttled(
            RateLimiter.Rejection(rule: rule, message: message, retryAfterMs: retryAfterMs), principal: principal,
            session: session)
    }

    public func willStartRun(principal: String) throws(RPCError) {
        try security.precheckExecution(principal: principal)
    }

    public func didCreate(_ s: SessionSnapshot) {
        security.sessionCreated(
            principal: s.principal, session: s.id, security: s.options.security,
            details: [
                "language": .string(s.language), "runtime": .string(s.runtimeType), "driver": .string(s.driverName),
            ])
    }

    public func willRun(_ command: SessionCommand, session s: SessionSnapshot, principal: String) throws(RPCError) {
        func file(_ op: SecurityLayer.FileOperation, _ path: String, _ destination: String? = nil) throws(RPCError) {
            try security.checkFileOp(
                principal: principal, session: s.id, operation: op, path: path, destination: destination)
        }
        switch command {
        case .executeCode(let c):
            try security.checkExecution(
                principal: principal, session: s.id, code: c.code, language: c.language ?? s.language)
        case .shell(let sh):
            try security.checkShell(principal: principal, session: s.id, command: sh.command, args: sh.args)
            if let wd = sh.workingDirectory { try file(.list, wd) }
        case .installPackages(let i):
            try security.checkPackages(
                principal: principal, session: s.id, manager: i.manager ?? s.language, names: i.packages, flags: i.flags
            )
            if let r = i.requirementsFile { try file(.list, r) }  // a path check without the extension rule
        case .writeFile(let p, _, _, _): try file(.write, p)
        case .readFile(let p, _): try file(.read, p)
        case .createDirectory(let p): try file(.createDirectory, p)
        case .copyFile(let a, let b): try file(.copy, a, b)
        case .deleteFile(let p): try file(.delete, p)
        case .listDirectory(let p, _, _, _): try file(.list, p)
        case .diff(let p, _, let other):
            try file(.read, p)
            if let other { try file(.read, other) }
        case .applyPatch: break  // the workspace resolves every path named in the patch
        }
        // After the path checks, so a refused path does not count.
        if command.isFileCommand {
            try security.checkFileCommand(principal: principal, session: s.id, command: command.typeName)
        }
    }

    public func didRun(
        _ command: SessionCommand, session s: SessionSnapshot, principal: String, success: Bool, durationMs: Int,
        error: String?
    ) {
        let event: AuditEventType
        var language = s.language
        switch command {
        case .executeCode(let c): event = .codeExecution; language = c.language ?? s.language
        case .shell: event = .shellCommand; language = "shell"
        case .installPackages: event = .packageInstall
        case .writeFile, .copyFile, .applyPatch: event = .fileWrite
        case .readFile, .listDirectory, .diff: event = .fileRead
        case .deleteFile: event = .fileDelete
        case .createDirectory: event = .directoryCreate
        }
        var details: JSONObject = ["command": .string(command.typeName)]
        if let p = command.paths.first { details["path"] = .string(p) }
        security.recordCommand(
            principal: principal, session: s.id, event: event, language: language, runtime: s.runtimeType,
            success: success, durationMs: durationMs, error: error, details: details)
    }

    public func didClose(_ s: SessionSnapshot, reason: String) {
        security.sessionClosed(principal: s.principal, session: s.id, reason: reason)
    }
}
