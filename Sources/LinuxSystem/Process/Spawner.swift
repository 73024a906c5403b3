public import CSystem  // pid_t in the signature resolves through the shim's headers
import Glibc

/// Marshals a `ProcessSpec` into `cs_spawn_fds`.
public enum Spawner: Sendable {
    /// Starts the process with the given stdio fds (-1: /dev/null) and extra fds (become 3, 4, ...).
    public static func spawn(
        _ spec: ProcessSpec, stdin: Int32, stdout: Int32, stderr: Int32,
        extraFds callerFds: [Int32] = []
    ) throws(SystemError) -> pid_t {
        var extraFds = callerFds
        var seccompRead: Int32 = -1
        defer { FD.close(seccompRead) }
        if let seccomp = spec.seccomp {
            guard seccomp.fd == 3 + Int32(callerFds.count) else {
                // The caller's sandbox argv names the wrong descriptor: a programming error, reported as EBADF.
                throw SystemError(
                    "seccomp program expected on fd \(seccomp.fd) but the child gets \(callerFds.count) other fds; spawn",
                    errno: EBADF)
            }
            seccompRead = try seccompPipe(seccomp.program)
            extraFds.append(seccompRead)
        }
        let argv = spec.arguments.map { strdup($0) } + [nil]
        let envp = spec.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let cgroups = spec.cgroupProcs.map { strdup($0) } + [nil]
        let cwd = spec.cwd.map { strdup($0) } ?? nil
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
            for p in cgroups { free(p) }
            free(cwd)
        }
        // The child inherits the forking thread's network namespace: enter it for the fork only.
        var savedNetns: Int32 = -1
        if let ns = spec.netnsFD {
            savedNetns = cs_netns_enter(ns)
            guard savedNetns >= 0 else { throw .negated("setns into the session's network namespace", savedNetns) }
        }
        defer { if savedNetns >= 0 { _ = cs_netns_leave(savedNetns) } }
        let limits = spec.rlimits.map { cs_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }
        var pid: pid_t = 0
        let rc: Int32 = limits.withUnsafeBufferPointer { lim in
            cgroups.withUnsafeBufferPointer { cg in
                var opts = cs_spawn_opts(
                    stdin_fd: stdin, stdout_fd: stdout, stderr_fd: stderr, cwd: UnsafePointer(cwd),
                    uid: Int32(spec.uid ?? -1), gid: Int32(spec.gid ?? -1),
                    new_session: spec.newSession ? 1 : 0, no_new_privs: spec.noNewPrivs ? 1 : 0,
                    die_with_parent: spec.dieWithParent ? 1 : 0,
                    cgroup_procs: spec.cgroupProcs.isEmpty
                        ? nil : UnsafeRawPointer(cg.baseAddress!).assumingMemoryBound(to: UnsafePointer<CChar>?.self),
                    rlimits: lim.baseAddress, rlimit_count: Int32(lim.count),
                    new_keyring: spec.newKeyring ? 1 : 0, oom_score_adj: Int32(spec.oomScoreAdj ?? Int(CS_OOM_KEEP)),
                    memory_merge: spec.memoryMerge ? 1 : 0, no_aslr: spec.noASLR ? 1 : 0)
                return extraFds.withUnsafeBufferPointer { fds in
                    cs_spawn_fds(spec.executable, argv, envp, &opts, fds.baseAddress, Int32(fds.count), &pid)
                }
            }
        }
        guard rc == 0 else { throw .negated("start \(spec.executable)", rc) }
        return pid
    }

    /// A pipe holding `program` (a few hundred bytes, well under the pipe buffer), write end closed: bwrap
    /// reads it to EOF. A pipe per spawn, because a shared file offset would leave the next reader nothing.
    static func seccompPipe(_ program: [UInt8]) throws(SystemError) -> Int32 {
        let p = try FD.pipe(nonblockRead: false)
        defer { FD.close(p.write) }
        let failed = program.withUnsafeBytes { b -> SystemError? in
            do throws(SystemError) { try FD.writeFully(p.write, b); return nil } catch { return error }
        }
        if let failed {
            FD.close(p.read)
            throw SystemError("write the seccomp program: \(failed.call)", errno: failed.errno)
        }
        return p.read
    }
}
