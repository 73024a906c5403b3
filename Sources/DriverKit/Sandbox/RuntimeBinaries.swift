import FoundationEssentials
import Glibc

/// Makes a runtime binary that lives somewhere the sandbox uid cannot reach (deno/bun under root's home)
/// available inside sandboxes: copied once to /var/lib/codebeaker/runtimes/<name>/ (mode 0755), which a
/// sandbox then binds read-only at /opt/runtimes/<name>.
public enum RuntimeBinaries: Sendable {
    public static let hostRoot = SandboxFiles.root + "/runtimes"
    public static let sandboxRoot = "/opt/runtimes"

    public struct Provided: Sendable, Equatable {
        /// Directory to bind (host side).
        public var hostDir: String
        /// Where it appears inside the sandbox.
        public var sandboxDir: String
        /// The executable's path inside the sandbox.
        public var sandboxExecutable: String
        public var bind: SandboxConfig.Bind { .init(hostDir, sandboxDir) }
    }

    /// Copies `executable` (symlinks resolved) unless an identical-size, not-older copy is already there.
    public static func provide(name: String, executable: String) throws(DriverError) -> Provided {
        let real = URL(fileURLWithPath: executable).resolvingSymlinksInPath().path
        let base = real.split(separator: "/").last.map(String.init) ?? real
        let dir = "\(hostRoot)/\(name)"
        let dest = "\(dir)/\(base)"
        try SandboxFiles.makeDirectory(dir)
        var src = stat(), dst = stat()
        guard stat(real, &src) == 0 else { throw .unavailable("\(executable) not found") }
        let fresh = stat(dest, &dst) == 0 && dst.st_size == src.st_size && dst.st_mtim.tv_sec >= src.st_mtim.tv_sec
        if !fresh {
            let tmp = dest + ".tmp.\(getpid())"
            unlink(tmp)
            do {
                try FileManager.default.copyItem(atPath: real, toPath: tmp)
            } catch {
                throw .internal("cannot copy \(real) to \(tmp): \(error)")
            }
            chmod(tmp, 0o755)
            guard rename(tmp, dest) == 0 else { throw .internal("rename \(tmp): \(String(cString: strerror(errno)))") }
        }
        return Provided(
            hostDir: dir, sandboxDir: "\(sandboxRoot)/\(name)", sandboxExecutable: "\(sandboxRoot)/\(name)/\(base)")
    }
}
