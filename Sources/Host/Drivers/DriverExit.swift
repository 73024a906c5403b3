import Glibc

/// How a driver process ended, as `waitpid` reported it.
public struct DriverExit: Sendable, Equatable, CustomStringConvertible {
    public var code: Int?
    public var signal: Int?

    public init(code: Int? = nil, signal: Int? = nil) { self.code = code; self.signal = signal }

    public var description: String {
        if let signal {
            let name = Self.signalNames[Int32(signal)].map { " (\($0))" } ?? ""
            return "killed by signal \(signal)\(name)"
        }
        return "exited with code \(code ?? -1)"
    }

    static let signalNames: [Int32: String] = [
        SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT",
        SIGINT: "SIGINT", SIGBUS: "SIGBUS", SIGPIPE: "SIGPIPE", SIGHUP: "SIGHUP", SIGILL: "SIGILL",
    ]
}
