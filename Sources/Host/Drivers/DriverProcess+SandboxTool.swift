import FoundationEssentials
import Glibc

extension DriverProcess {
    /// Drivers in other languages run code through `codebeaker-sandbox` (docs/driver-protocol.md, "The sandbox
    /// service") and look for it in this variable first: the host names the one installed beside it, if any.
    /// The host itself never runs it.
    static let sandboxToolVariable = "CODEBEAKER_SANDBOX"

    static let sandboxToolBesideHost: String? = {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let tool = String(exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)]) + "/codebeaker-sandbox"
        return access(tool, X_OK) == 0 ? tool : nil
    }()
}
