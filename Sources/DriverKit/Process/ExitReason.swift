import Glibc

/// Words for why a run ended abnormally.
public enum ExitReason: Sendable {
    public static func timedOut(_ ms: Int) -> String {
        ms % 1000 == 0 ? "timed out after \(ms / 1000) s" : "timed out after \(Double(ms) / 1000) s"
    }

    public static func signal(_ sig: Int) -> String {
        let names = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
            9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ",
        ]
        var s = "killed by signal \(sig)"
        if let n = names[sig] { s += " (\(n))" }
        if sig == 24 { s += ": CPU time limit exceeded" }
        if sig == 25 { s += ": file size limit exceeded" }
        return s
    }

    public static func outOfMemory(limitMB: Int) -> String { "killed: out of memory (limit \(limitMB) MB)" }
}
