/// What `codebeaker-sandbox` was asked to do; parsing is pure (no file system), checked by unit tests.
enum SandboxToolCommand: Sendable, Equatable {
    case run(SandboxRunOptions)
    case close(session: String)
    case version
}

/// `run`'s flags, with the defaults of docs/driver-protocol.md ("The sandbox service").
struct SandboxRunOptions: Sendable, Equatable {
    var session = ""
    var workspace = ""
    var uid: Int?
    var gid: Int?
    var memoryMB = 512
    var pids = 256
    var cpuPercent = 0
    var timeoutMs = 30_000
    var maxOutputBytes = 1 << 20
    var cwd: String?
    var env: [String: String] = [:]
    var network = false
    var stdinFile: String?
    var stream = false
    /// (source on the host, destination in the sandbox), in order.
    var readOnlyBinds: [[String]] = []
    var command: [String] = []
}

struct SandboxUsageError: Error, Equatable {
    let message: String
}

enum SandboxToolArguments {
    static let usage = """
        usage: codebeaker-sandbox run --session ID --workspace DIR [--uid N] [--gid N] [--memory-mb N] [--pids N]
                   [--cpu-percent N] [--timeout-ms N] [--max-output-bytes N] [--cwd DIR] [--env K=V]... [--network]
                   [--stdin-file PATH] [--stream] [--bind-ro SRC:DST]... -- CMD ARGS...
               codebeaker-sandbox close --session ID
               codebeaker-sandbox --version

        """

    /// Session ids name a cgroup and a directory: 1-100 ASCII letters, digits, '-' and '_'.
    static func isValidSession(_ s: String) -> Bool {
        (1...100).contains(s.utf8.count)
            && s.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D
                    || $0 == 0x5F
            }
    }

    static func parse(_ args: [String]) -> Result<SandboxToolCommand, SandboxUsageError> {
        do throws(SandboxUsageError) {
            switch args.first {
            case "--version" where args.count == 1: return .success(.version)
            case "close": return .success(.close(session: try parseClose(Array(args.dropFirst()))))
            case "run": return .success(.run(try parseRun(Array(args.dropFirst()))))
            case nil: throw SandboxUsageError(message: "missing command (run, close or --version)")
            case let other?: throw SandboxUsageError(message: "unknown command: \(other)")
            }
        } catch { return .failure(error) }
    }

    static func parseClose(_ args: [String]) throws(SandboxUsageError) -> String {
        guard args.count == 2, args[0] == "--session" else {
            throw SandboxUsageError(message: "close takes exactly --session ID")
        }
        guard isValidSession(args[1]) else { throw invalidSession(args[1]) }
        return args[1]
    }

    static func parseRun(_ args: [String]) throws(SandboxUsageError) -> SandboxRunOptions {
        var o = SandboxRunOptions()
        var i = 0
        func value(_ flag: String) throws(SandboxUsageError) -> String {
            i += 1
            guard i < args.count, args[i] != "--" else { throw SandboxUsageError(message: "\(flag) needs a value") }
            return args[i]
        }
        func number(_ flag: String, _ range: ClosedRange<Int>) throws(SandboxUsageError) -> Int {
            let v = try value(flag)
            guard let n = Int(v), range.contains(n) else {
                throw SandboxUsageError(
                    message: "\(flag) must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return n
        }
        while i < args.count {
            let flag = args[i]
            switch flag {
            case "--":
                o.command = Array(args[(i + 1)...])
                i = args.count
                continue
            case "--session": o.session = try value(flag)
            case "--workspace": o.workspace = try value(flag)
            // 0 would be root on the host: bwrap is spawned as this uid.
            case "--uid": o.uid = try number(flag, 1...Int(Int32.max))
            case "--gid": o.gid = try number(flag, 1...Int(Int32.max))
            case "--memory-mb": o.memoryMB = try number(flag, 1...(1 << 20))
            case "--pids": o.pids = try number(flag, 1...(1 << 22))
            case "--cpu-percent": o.cpuPercent = try number(flag, 0...100_000)
            case "--timeout-ms": o.timeoutMs = try number(flag, 1...(24 * 3_600_000))
            case "--max-output-bytes": o.maxOutputBytes = try number(flag, 0...(1 << 30))
            case "--cwd": o.cwd = try value(flag)
            case "--env":
                let kv = try value(flag)
                guard let eq = kv.firstIndex(of: "="), eq != kv.startIndex else {
                    throw SandboxUsageError(message: "--env takes K=V, got \(kv)")
                }
                o.env[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
            case "--network": o.network = true
            case "--stdin-file": o.stdinFile = try value(flag)
            case "--stream": o.stream = true
            case "--bind-ro":
                let b = try value(flag)
                let parts = b.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts.allSatisfy({ $0.hasPrefix("/") }) else {
                    throw SandboxUsageError(message: "--bind-ro takes SRC:DST, both absolute paths, got \(b)")
                }
                o.readOnlyBinds.append(parts)
            default: throw SandboxUsageError(message: "unknown option: \(flag)")
            }
            i += 1
        }
        guard isValidSession(o.session) else {
            throw o.session.isEmpty ? SandboxUsageError(message: "run needs --session ID") : invalidSession(o.session)
        }
        guard o.workspace.hasPrefix("/") else {
            throw SandboxUsageError(message: "run needs --workspace DIR (an absolute path)")
        }
        guard !o.command.isEmpty else { throw SandboxUsageError(message: "run needs -- CMD ARGS...") }
        return o
    }

    static func invalidSession(_ s: String) -> SandboxUsageError {
        SandboxUsageError(message: "--session must be 1-100 ASCII letters, digits, '-' or '_', got \(s)")
    }
}
