import CSystem
import DriverProtocol
import LinuxSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One session's disk: a sparse file holding an ext4 filesystem of exactly the quota's size, mounted
/// through a loop device at the workspace path. The size is the quota: writes past it fail with ENOSPC
/// for every process, root included (no reserved blocks), in every sandbox, Docker containers too.
enum Ext4Volume {
    static let mkfsCandidates = ["/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4", "/usr/bin/mkfs.ext4"]

    static func findMkfs() -> String? { mkfsCandidates.first { access($0, X_OK) == 0 } }

    /// Creates `image` (sparse, 0600) and formats it. No journal: a workspace never outlives its host,
    /// so crash consistency buys nothing and the journal would cost both time and quota.
    static func format(mkfs: String, image: String, sizeMB: Int, maxFiles: Int) async throws(WorkspaceError) {
        let fd = open(image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { throw WorkspaceError(.io, "cannot create \(image): \(errorText())") }
        let sized = ftruncate(fd, off_t(sizeMB) << 20) == 0
        let sizeErrno = errno
        close(fd)
        guard sized else { unlink(image); throw WorkspaceError(.io, "cannot size \(image): \(errorText(sizeErrno))") }
        var spec = ProcessSpec(
            executable: mkfs,
            arguments: [
                "mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", "-N", String(maxFiles), "-L", "cbworkspace",
                "-O", "^has_journal,^resize_inode", "-E", "lazy_itable_init=1,nodiscard", image,
            ], environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        spec.noNewPrivs = false
        spec.timeoutMs = 60_000
        let result: ProcessOutcome
        do throws(SystemError) { result = try await ChildProcess.run(spec) } catch {
            unlink(image)
            throw WorkspaceError(.io, "cannot run \(mkfs): \(error)")
        }
        guard result.succeeded else {
            unlink(image)
            let why = result.stderr.isEmpty ? "exit \(result.exitCode.map(String.init) ?? "?")" : result.stderr
            throw WorkspaceError(.io, "mkfs.ext4 failed: \(why.trimmingTrailingNewlines)")
        }
    }

    /// Attaches `image` to a loop device and mounts it on the existing directory `target`.
    static func mount(_ image: String, at target: String) throws(WorkspaceError) {
        var dev = [CChar](repeating: 0, count: 64)
        let lfd = cs_loop_attach(image, &dev, dev.count)
        if lfd < 0 { throw WorkspaceError(.io, "cannot attach \(image) to a loop device: \(errorText(-lfd))") }
        defer { close(lfd) }  // after the mount, which keeps the autoclear device alive
        let flags = UInt(MS_NOSUID) | UInt(MS_NODEV) | UInt(MS_NOATIME)
        let rc = "noinit_itable,discard".withCString { Glibc.mount(dev, target, "ext4", flags, $0) }
        if rc != 0 { throw WorkspaceError(.io, "cannot mount \(image) on \(target): \(errorText())") }
    }

    /// Lazily unmounts whatever is mounted on `target`, so processes still inside cannot block it.
    static func unmount(_ target: String) {
        while umount2(target, Int32(MNT_DETACH)) == 0 {}
    }

    static func errorText(_ e: Int32 = errno) -> String { String(cString: strerror(e)) }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
