/// `codebeaker run|repl|exec|session …`, parsed from argv. Pure, so it is unit-tested without a process.
public struct CLIOptions: Sendable, Equatable {
    public enum Command: String, Sendable, Equatable {
        case run, repl, exec
        case sessionCreate = "session create"
        case sessionClose = "session close"
        case sessionList = "session list"
    }

    public var command: Command
    public var help = false
    /// A path, or "-" for standard input.
    public var file: String?
    public var sessionId: String?
    public var language: String?
    public var server: String?
    public var token: String?
    public var timeout: Int?
    public var memoryMB: Int?
    public var network = false
    /// The embedded host's options (ignored with `--server`).
    public var workspaceRoot: String?
    public var driversDirs: [String] = []
    public var noDefaultDrivers = false
    public var configFile: String?
    public var logLevel: String?

    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    public static let commands: Set<String> = ["run", "repl", "exec", "session"]

    init(command: Command) { self.command = command }

    public static func parse(_ args: [String]) throws(Error) -> CLIOptions {
        guard let first = args.first, commands.contains(first) else { throw Error("unknown command") }
        var rest = Array(args.dropFirst())
        var o: CLIOptions
        if first == "session" {
            let sub = rest.first ?? ""
            guard let c = Command(rawValue: "session \(sub)") else {
                if ["-h", "--help"].contains(sub) {
                    var h = CLIOptions(command: .sessionList); h.help = true; return h
                }
                throw Error("usage: codebeaker session create|close|list (see codebeaker session --help)")
            }
            o = CLIOptions(command: c)
            rest.removeFirst()
        } else {
            o = CLIOptions(command: Command(rawValue: first)!)
        }
        var positional: [String] = []
        var i = 0
        while i < rest.count {
            let arg = rest[i]
            var flag = arg, inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq]); inline = String(arg[arg.index(after: eq)...])
            }
            func v() throws(Error) -> String {
                if let inline { return inline }
                i += 1
                guard i < rest.count else { throw Error("\(flag) needs a value") }
                return rest[i]
            }
            func number(_ range: ClosedRange<Int>, _ what: String) throws(Error) -> Int {
                let s = try v()
                guard let n = Int(s), range.contains(n) else { throw Error("\(flag) must be \(what), got '\(s)'") }
                return n
            }
            switch flag {
            case "-h", "--help": o.help = true
            case "-l", "--language": o.language = try v()
            case "--server": o.server = try v()
            case "--token": o.token = try v()
            case "--timeout": o.timeout = try number(1...86400, "a number of seconds")
            case "--memory": o.memoryMB = try number(16...1_048_576, "a number of MB (16 or more)")
            case "--network": o.network = true
            case "--workspace-root": o.workspaceRoot = try v()
            case "--drivers-dir": o.driversDirs.append(try v())
            case "--no-default-drivers": o.noDefaultDrivers = true
            case "--config": o.configFile = try v()
            case "--log-level": o.logLevel = try v()
            case "--":
                positional += rest[(i + 1)...]
                i = rest.count
                continue
            default:
                if arg.hasPrefix("-"), arg != "-" {
                    throw Error("unknown option '\(arg)' (see codebeaker \(first) --help)")
                }
                positional.append(arg)
            }
            i += 1
        }
        if o.help { return o }
        try o.take(positional)
        return o
    }

    /// Checks the positional arguments each command takes.
    private mutating func take(_ args: [String]) throws(Error) {
        func usage(_ text: String) -> Error { Error("usage: codebeaker \(text)") }
        switch command {
        case .run:
            guard args.count == 1 else { throw usage("run [options] FILE | run -l LANGUAGE [options] -") }
            file = args[0]
            if file == "-", language == nil { throw Error("code from standard input needs the language (-l LANGUAGE)") }
        case .repl:
            guard args.isEmpty else { throw usage("repl -l LANGUAGE [options]") }
            guard language != nil else { throw Error("the language is needed (-l LANGUAGE)") }
        case .exec:
            guard args.count == 2 else { throw usage("exec SESSION [-l LANGUAGE] (FILE | -) --server URL") }
            sessionId = args[0]; file = args[1]
        case .sessionCreate:
            guard args.isEmpty, language != nil else { throw usage("session create -l LANGUAGE --server URL") }
        case .sessionClose:
            guard args.count == 1 else { throw usage("session close SESSION --server URL") }
            sessionId = args[0]
        case .sessionList:
            guard args.isEmpty else { throw usage("session list --server URL") }
        }
        if server == nil, [.exec, .sessionCreate, .sessionClose, .sessionList].contains(command) {
            throw Error("needs --server URL (sessions of the embedded host end with the command)")
        }
    }
}
