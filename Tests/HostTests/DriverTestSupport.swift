import Foundation
import Glibc
import Synchronization

@testable import Host

/// Paths, log capture and process/fd accounting shared by the driver tests.
enum DriverTestSupport {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static func fixture(_ name: String) -> String { repoRoot + "/Tests/HostTests/Fixtures/drivers/" + name }
    static let exampleBashDriver = repoRoot + "/examples/drivers/codebeaker-driver-bash"

    /// A log sink that keeps lines in memory.
    final class LogCapture: Sendable {
        let lines = Mutex<[String]>([])
        var sink: Logger.Sink { Logger.Sink { [self] line in lines.withLock { $0.append(line) } } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// Small timings so failure paths finish in well under a second.
    static func fastConfig(budget: Int = 2, handshakeTimeout: Double = 2) -> DriverSupervisorConfig {
        var c = DriverSupervisorConfig()
        c.handshakeTimeout = handshakeTimeout
        c.restart = RestartPolicy(
            firstDelay: 0.005, baseDelay: 0.005, maxDelay: 0.02, budget: budget, window: 600, stableAfter: 600)
        c.shutdownGrace = 0.5
        c.readyWait = 5
        return c
    }

    static func openFDCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    /// Children of this process whose command name starts with `prefix` (all if empty), and how many of them
    /// are zombies, read from /proc.
    static func children(named prefix: String = "") -> (total: Int, zombies: Int) {
        let me = getpid()
        var total = 0, zombies = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let comm = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == me, comm.hasPrefix(prefix) else { continue }
            total += 1
            if fields[0] == "Z" { zombies += 1 }
        }
        return (total, zombies)
    }

    static func processExists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    /// A real driver: `CODEBEAKER_<NAME>_DRIVER` (a path) or the one built beside the test binary by the same
    /// `swift build`.
    static func configuredDriver(_ name: String) -> String? {
        if let p = ProcessInfo.processInfo.environment["CODEBEAKER_\(name.uppercased())_DRIVER"] {
            return access(p, X_OK) == 0 ? p : nil
        }
        let built = DriverDiscovery.defaultDirectories()[0] + "/codebeaker-driver-" + name
        return access(built, X_OK) == 0 ? built : nil
    }
}
