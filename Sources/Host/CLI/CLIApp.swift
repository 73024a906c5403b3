import CSystem
import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem

/// `codebeaker run|repl|exec|session`: the command line client. Errors are one line on stderr,
/// `codebeaker <command>: …`, with exit code 2 for usage and 1 for everything else that is not the program's.
public enum CLIApp: Sendable {
    public static func isCommand(_ arguments: [String]) -> Bool {
        arguments.first.map(CLIOptions.commands.contains) ?? false
    }

    public static func main(arguments: [String]) async -> Int32 {
        let name = "codebeaker \(arguments.first ?? "")"
        var o: CLIOptions
        do { o = try CLIOptions.parse(arguments) } catch {
            fail("\(name): \(error)")
            return CLIExitStatus.usage
        }
        if o.help {
            StandardIO.out(help(o.command) + "\n")
            return 0
        }
        _ = cs_ignore_sigpipe()
        Interrupts.shared.install()
        if o.token == nil { o.token = ProcessInfo.processInfo.environment["CODEBEAKER_TOKEN"] }
        do throws(CLIFailure) {
            return try await withBackend(o) { backend, embedded throws(CLIFailure) in
                try await dispatch(o, backend: backend, embedded: embedded)
            }
        } catch {
            fail("\(name): \(error.message)")
            return error.code
        }
    }

    static func dispatch(_ o: CLIOptions, backend: any CancellableRPCBackend, embedded: EmbeddedHost?)
        async throws(CLIFailure) -> Int32
    {
        switch o.command {
        case .run: return try await RunCommand.run(o, backend: backend, embedded: embedded)
        case .repl: return try await ReplCommand.run(o, backend: backend, embedded: embedded)
        case .exec: return try await SessionCommands.exec(o, backend: backend)
        case .sessionCreate, .sessionClose, .sessionList: return try await SessionCommands.manage(o, backend: backend)
        }
    }

    /// Opens the backend (`--server` or an embedded host), runs `body`, closes it whatever happens.
    static func withBackend(
        _ o: CLIOptions, _ body: (any CancellableRPCBackend, EmbeddedHost?) async throws(CLIFailure) -> Int32
    ) async throws(CLIFailure) -> Int32 {
        if let server = o.server {
            let backend: WebSocketBackend
            do { backend = try await WebSocketBackend.connect(url: server, token: o.token) } catch {
                throw CLIFailure(error.description)
            }
            let result: Result<Int32, CLIFailure>
            do throws(CLIFailure) { result = .success(try await body(backend, nil)) } catch { result = .failure(error) }
            await backend.close()
            return try result.get()
        }
        let embedded: EmbeddedHost
        do { embedded = try await EmbeddedHost.start(o) } catch { throw CLIFailure(error.message) }
        let result: Result<Int32, CLIFailure>
        do throws(CLIFailure) { result = .success(try await body(embedded.backend, embedded)) } catch {
            result = .failure(error)
        }
        await embedded.shutdown()
        return try result.get()
    }

    static func help(_ command: CLIOptions.Command) -> String {
        switch command {
        case .run: CLIHelp.run
        case .repl: CLIHelp.repl
        case .exec, .sessionCreate, .sessionClose, .sessionList: CLIHelp.exec
        }
    }

    static func fail(_ line: String) { StandardIO.err(line + "\n") }
}

/// A failure of the command itself (not of the program it ran): one line and an exit code.
struct CLIFailure: Error {
    let message: String
    let code: Int32
    init(_ message: String, code: Int32 = CLIExitStatus.failure) {
        self.message = message
        self.code = code
    }
    init(_ error: RPCCallError) {
        switch error {
        case .transport(let reason): self.init(reason)
        case .server(_, let message, _): self.init(message)
        }
    }
}
