#include "cs_spawn_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif

// Only async-signal-safe calls between fork and exec.
static void fail(int pipefd, int err) {
    (void)!write(pipefd, &err, sizeof err);
    _exit(127);
}

static void join_cgroup(const char *path, int ep) {
    char buf[24];
    int len = 0;
    char tmp[24];
    pid_t pid = getpid();
    while (pid > 0) { tmp[len++] = (char)('0' + pid % 10); pid /= 10; }
    for (int i = 0; i < len; i++) buf[i] = tmp[len - 1 - i];
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(ep, errno);
    if (write(fd, buf, (size_t)len) < 0) fail(ep, errno);
    close(fd);
}

static int place(int fd, int target, int flags) {
    if (fd < 0) {
        fd = open("/dev/null", flags | O_CLOEXEC);
        if (fd < 0) return -1;
    }
    if (fd == target) return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

#define MAX_EXTRA 8

int cs_spawn_fds(const char *path, char *const argv[], char *const envp[], const cs_spawn_opts *o,
                 const int *extra, int extra_count, pid_t *out) {
    if (extra_count > MAX_EXTRA) return -EINVAL;
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0) return -errno;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(errpipe[0]); close(errpipe[1]);
        return -e;
    }
    if (pid == 0) {
        for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
        if (o->die_with_parent) prctl(PR_SET_PDEATHSIG, SIGKILL);
        int ep = errpipe[1];
        // Park every source descriptor above the range we are about to fill (0..2+extra_count).
        int floor = 3 + extra_count + 1;
        int src[3 + MAX_EXTRA];
        int want[3] = { o->stdin_fd, o->stdout_fd, o->stderr_fd };
        int n = fcntl(ep, F_DUPFD_CLOEXEC, floor + 3 + MAX_EXTRA);
        if (n < 0) _exit(127);
        ep = n;
        for (int i = 0; i < 3; i++) src[i] = want[i] >= 0 ? fcntl(want[i], F_DUPFD_CLOEXEC, floor) : -1;
        for (int i = 0; i < extra_count; i++) src[3 + i] = fcntl(extra[i], F_DUPFD_CLOEXEC, floor);
        if (o->new_session && setsid() < 0) fail(ep, errno);
        // A service manager gives its service one session keyring that every child inherits; a sandbox
        // must not see (or leave keys in) it. KEYCTL_JOIN_SESSION_KEYRING (1) with no name makes a new
        // anonymous one, as root so the unprivileged uid's small key quota is not used up. A kernel without
        // keys (ENOSYS) has nothing to share; the seccomp filter denies keyctl inside sandboxes anyway.
        if (o->new_keyring) (void)syscall(SYS_keyctl, 1, (char *)0);
        // Raised while still privileged (lowering needs CAP_SYS_RESOURCE; raising does not, but do it once
        // here for every spawn path). The value is inherited by everything the child starts.
        if (o->oom_score_adj != CS_OOM_KEEP) {
            char v[12];
            int n = 0, x = o->oom_score_adj < 0 ? -o->oom_score_adj : o->oom_score_adj;
            char t[12];
            do { t[n++] = (char)('0' + x % 10); x /= 10; } while (x > 0);
            int len = 0;
            if (o->oom_score_adj < 0) v[len++] = '-';
            while (n > 0) v[len++] = t[--n];
            int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
            if (fd < 0) fail(ep, errno);
            if (write(fd, v, (size_t)len) < 0) fail(ep, errno);
            close(fd);
        }
        if (o->cgroup_procs)
            for (const char *const *p = o->cgroup_procs; *p; p++) join_cgroup(*p, ep);
        if (place(src[0], 0, O_RDONLY) < 0) fail(ep, errno);
        if (place(src[1], 1, O_WRONLY) < 0) fail(ep, errno);
        if (place(src[2], 2, O_WRONLY) < 0) fail(ep, errno);
        for (int i = 0; i < extra_count; i++)
            if (src[3 + i] < 0 || dup2(src[3 + i], 3 + i) < 0) fail(ep, errno);
        for (int i = 0; i < o->rlimit_count; i++) {
            struct rlimit rl = { (rlim_t)o->rlimits[i].soft, (rlim_t)o->rlimits[i].hard };
            if (setrlimit(o->rlimits[i].resource, &rl) < 0) fail(ep, errno);
        }
        if (o->gid >= 0) {
            if (setgroups(0, NULL) < 0) fail(ep, errno);
            if (setresgid(o->gid, o->gid, o->gid) < 0) fail(ep, errno);
        }
        if (o->uid >= 0 && setresuid(o->uid, o->uid, o->uid) < 0) fail(ep, errno);
        if (o->cwd && chdir(o->cwd) < 0) fail(ep, errno);
        if (o->no_new_privs) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        // Both survive fork and execve, so bwrap's children (the runner, its zygote, every job) inherit them.
        // Set before the exec of a non-setuid bwrap: a setuid exec would clear ADDR_NO_RANDOMIZE.
        if (o->memory_merge && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) < 0) fail(ep, errno);
        if (o->no_aslr) {
            int cur = personality(0xffffffff);
            if (cur < 0 || personality((unsigned long)cur | ADDR_NO_RANDOMIZE) < 0) fail(ep, errno);
        }
        int keep = 3 + extra_count;
        if (ep > keep) syscall(SYS_close_range, keep, ep - 1, 0);
        syscall(SYS_close_range, ep + 1, ~0U, 0);
        sigset_t empty;
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        execve(path, argv, envp);
        fail(ep, errno);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(errpipe[1]);
    int childErr = 0;
    ssize_t r;
    do { r = read(errpipe[0], &childErr, sizeof childErr); } while (r < 0 && errno == EINTR);
    close(errpipe[0]);
    if (r == sizeof childErr) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
        return childErr ? -childErr : -EIO;
    }
    *out = pid;
    return 0;
}

int cs_memory_merge_supported(void) {
    int r = prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0);
    if (r >= 0) return 1;
    return errno == EINVAL ? 0 : -errno;
}

int cs_socketpair(int fds[2]) { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 ? -errno : 0; }

int cs_kill_cgroup(const char *procs_path) {
    FILE *f = fopen(procs_path, "re");
    if (!f) return -errno;
    int count = 0;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) {
        if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0) count++;
    }
    fclose(f);
    return count;
}
