import DriverProtocol
import Synchronization

extension SecurityLayer {
    /// What a file operation does, for the extension rule and the audit event.
    public enum FileOperation: String, Sendable {
        case read, write, delete, createDirectory, list, copy, move
        var auditEvent: AuditEventType {
            switch self {
            case .read, .list: return .fileRead
            case .write, .copy, .move: return .fileWrite
            case .delete: return .fileDelete
            case .createDirectory: return .directoryCreate
            }
        }
        /// Only operations that read or write file contents are held to the extension allowlist.
        var checksExtension: Bool { self == .read || self == .write || self == .copy || self == .move }
    }

    /// `execute_code`: code length, blocked patterns and the fork-bomb shape, then the session's and the
    /// principal's rate limits. Validation comes first so a refused execution never counts against a limit.
    public func checkExecution(principal: String, session: String, code: String, language: String) throws(RPCError) {
        let (_, v) = policy(session)
        if validationEnabled, let violation = v.validateCode(code) {
            throw denied(
                violation, principal: principal, session: session, attempted: .codeExecution,
                details: [
                    "language": .string(language), "codeBytes": .int(code.utf8.count),
                    "input": .string(Self.preview(code)),
                ])
        }
        try admitExecution(principal: principal, session: session, attempted: .codeExecution)
    }

    /// `execute_shell`: the command line against the blocked patterns, then the rate limits.
    public func checkShell(principal: String, session: String, command: String, args: [String]) throws(RPCError) {
        let (_, v) = policy(session)
        if validationEnabled, let violation = v.validateShell(command: command, args: args) {
            throw denied(
                violation, principal: principal, session: session, attempted: .shellCommand,
                details: [
                    "command": .string(Self.preview(command)),
                    "args": JSONValue(args.prefix(20).map { Self.preview($0) }),
                ])
        }
        try admitExecution(principal: principal, session: session, attempted: .shellCommand)
    }

    /// `install_packages`: package specs and flags, then the rate limits.
    public func checkPackages(
        principal: String, session: String, manager: String, names: [String], flags: [String] = []
    ) throws(RPCError) {
        let (_, v) = policy(session)
        if validationEnabled, let violation = v.validatePackages(manager: manager, names: names, flags: flags) {
            throw denied(
                violation, principal: principal, session: session, attempted: .packageInstall,
                details: [
                    "manager": .string(manager), "packages": JSONValue(names.prefix(20).map { Self.preview($0) }),
                    "flags": JSONValue(flags.prefix(20).map { Self.preview($0) }),
                ])
        }
        try admitExecution(principal: principal, session: session, attempted: .packageInstall)
    }

    /// One file command of `principal` against `principalFileCommandsPerMinute`. Call after its path
    /// checks (`checkFileOp`), so a refused path does not count.
    public func checkFileCommand(principal: String, session: String, command: String) throws(RPCError) {
        guard rateLimitingEnabled else { return }
        let now = clock()
        let key = "f\(principal)"
        let (rejection, first) = decide(key) { s in
            let r = s.limiter.admitFileCommand(principal: principal, now: now)
            if r == nil { s.rejecting.remove("g\(principal)") }  // an admitted one ends a run of gate refusals
            return r
        }
        if let rejection {
            throw rateLimited(rejection, principal: principal, session: session, attempted: command, audit: first)
        }
    }

    /// Before `execution.run` creates its session: refuses at once when the principal has no execution
    /// left in its window, so a flood of runs does not create (and close) a session per refused call.
    /// Records nothing; the run's execution is counted by `checkExecution`.
    public func precheckExecution(principal: String) throws(RPCError) {
        guard rateLimitingEnabled else { return }
        let now = clock()
        let (rejection, first) = decide("x\(principal)") {
            $0.limiter.checkPrincipalExecution(principal: principal, now: now)
        }
        if let rejection {
            throw rateLimited(
                rejection, principal: principal, session: nil, attempted: AuditEventType.codeExecution.rawValue,
                audit: first)
        }
    }

    /// File commands: NUL, length, traversal and (for reads and writes) the extension allowlist, on
    /// `path` and on `destination` for copy and move. Rate limits are `checkFileCommand`'s.
    public func checkFileOp(
        principal: String, session: String, operation: FileOperation, path: String, destination: String? = nil
    ) throws(RPCError) {
        guard validationEnabled else { return }
        let (_, v) = policy(session)
        for p in [path] + (destination.map { [$0] } ?? []) {
            if let violation = v.validatePath(p, checkExtension: operation.checksExtension) {
                throw denied(
                    violation, principal: principal, session: session, attempted: operation.auditEvent,
                    details: ["operation": .string(operation.rawValue), "path": .string(Self.preview(p))])
            }
        }
    }

    func admitExecution(principal: String, session: String, attempted: AuditEventType) throws(RPCError) {
        guard rateLimitingEnabled else { return }
        let now = clock()
        let key = "s\(session)"
        let (cfg, _) = policy(session)
        let (rejection, first) = decide(key) {
            $0.limiter.admitExecution(
                session: session, principal: principal, perMinute: cfg.executionsPerMinute,
                maxTotal: cfg.maxExecutionsPerSession, now: now)
        }
        if let rejection {
            throw rateLimited(
                rejection, principal: principal, session: session, attempted: attempted.rawValue, audit: first)
        }
    }

    /// A refusal decided outside the layer (the session manager's file gate and queue): counted, audited once
    /// per run of refusals of the principal, and turned into the -32029 error.
    public func throttled(_ r: RateLimiter.Rejection, principal: String, session: String) -> RPCError {
        let first = state.withLock { Self.noteRejection(&$0, key: "g\(principal)", rejected: true) }
        return rateLimited(r, principal: principal, session: session, attempted: r.rule, audit: first)
    }

    /// At most 200 bytes of client input for audit details, cut on a character boundary.
    static func preview(_ s: String) -> String {
        let (t, cut) = OutputSanitizer.sanitize(s, limit: 200)
        return cut ? t + "…" : t
    }
}
