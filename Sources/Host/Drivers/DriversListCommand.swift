import DriverProtocol
import Foundation

/// `codebeaker drivers list`: discovers the installed drivers, starts each once to learn its state and
/// languages, prints them, and stops them again.
public enum DriversListCommand {
    /// `json` prints the health snapshots as a JSON array; otherwise one line per driver. Returns 0 if at least
    /// one driver is ready, 1 otherwise.
    public static func run(directories: [String], json: Bool = false, timeout: Double = 15) async -> Int32 {
        let registry = DriverRegistry(directories: directories)
        registry.start()
        _ = await registry.waitUntilSettled(timeout: timeout)
        let out: String
        if json {
            out = JSONWriter.string(registry.snapshot()) + "\n"
        } else {
            let dirs = DriverDiscovery(directories: directories).directories
            var lines = ["drivers directories: " + dirs.joined(separator: ", ")]
            if registry.supervisors.isEmpty { lines.append("no drivers found (executables named codebeaker-driver-NAME)") }
            for s in registry.supervisors { lines.append(line(for: s)) }
            out = lines.joined(separator: "\n") + "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        let ok = registry.anyReady
        await registry.shutdownAll()
        return ok ? 0 : 1
    }

    static func line(for s: DriverSupervisor) -> String {
        let state = s.driverState
        var parts = [s.name.padding(toLength: 10, withPad: " ", startingAt: 0), state.name.padding(toLength: 12, withPad: " ", startingAt: 0)]
        if let caps = s.capabilities {
            parts.append(caps.languages.map(\.name).joined(separator: ","))
            parts.append("isolation \(caps.isolationLevel)")
        }
        parts.append(s.path)
        if let reason = state.reason { parts.append("(\(reason))") }
        if case .unavailable(_, let hint?) = state { parts.append("install: \(hint)") }
        return parts.joined(separator: "  ")
    }
}
