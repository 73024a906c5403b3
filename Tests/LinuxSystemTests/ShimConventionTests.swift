import CSystem
import Glibc
import Testing

/// Every C shim call reports failure one way: -errno (the old shim mixed -1+errno, a positive errno and -errno).
@Suite struct ShimConventionTests {
    @Test func fdCalls_ReturnNegativeErrno_OnABadDescriptor() {
        #expect(cs_set_nonblocking(-1, 1) == -EBADF)
        #expect(cs_set_cloexec(-1) == -EBADF)
        #expect(cs_epoll_add(-1, 0, CS_EPOLLIN, 0) == -EBADF)
        #expect(cs_eventfd_signal(-1) == -EBADF)
        #expect(cs_shutdown_write(-1) == -EBADF)
        #expect(cs_close_fd(-1) == -EBADF)
        var events = [UInt32](repeating: 0, count: 1), datas = [UInt64](repeating: 0, count: 1)
        #expect(cs_epoll_wait(-1, &events, &datas, 1, 0) == -EBADF)
        let byte: [UInt8] = [1]
        #expect(byte.withUnsafeBytes { cs_send_nosignal(-1, $0.baseAddress, 1) } == -Int(EBADF))
    }

    @Test func wait_ReturnsNegativeECHILD_ForAPidThatIsNotOurs() {
        var a: Int32 = 0, b: Int32 = 0, c: Int32 = 0, d: Int32 = 0
        #expect(cs_wait(1, 1, &a, &b, &c, &d) == -ECHILD)
    }

    @Test func spawn_ReturnsNegativeErrno_WhenTheProgramDoesNotExist() {
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/nonexistent/cb-test"), nil]
        defer { for p in argv { free(p) } }
        var env: [UnsafeMutablePointer<CChar>?] = [nil]
        var opts = cs_spawn_opts(
            stdin_fd: -1, stdout_fd: -1, stderr_fd: -1, cwd: nil, uid: -1, gid: -1,
            new_session: 1, no_new_privs: 1, die_with_parent: 1, cgroup_procs: nil, rlimits: nil,
            rlimit_count: 0, new_keyring: 0, oom_score_adj: CS_OOM_KEEP, memory_merge: 0, no_aslr: 0)
        var pid: pid_t = 0
        #expect(cs_spawn("/nonexistent/cb-test", &argv, &env, &opts, &pid) == -ENOENT)
    }

    @Test func killCgroup_ReturnsNegativeErrno_WhenTheFileIsMissing() {
        #expect(cs_kill_cgroup("/nonexistent/cgroup.procs") == -ENOENT)
    }
}
