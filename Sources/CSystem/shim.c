#include "csystem.h"

#include <dirent.h>
#include <grp.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const uint32_t CS_EPOLLIN = EPOLLIN, CS_EPOLLOUT = EPOLLOUT, CS_EPOLLERR = EPOLLERR,
               CS_EPOLLHUP = EPOLLHUP, CS_EPOLLRDHUP = EPOLLRDHUP, CS_EPOLLET = EPOLLET;

int cs_errno(void) { return errno; }

int cs_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int epoll_op(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int cs_epoll_add(int epfd, int fd, uint32_t events, uint64_t data) { return epoll_op(epfd, EPOLL_CTL_ADD, fd, events, data); }
int cs_epoll_mod(int epfd, int fd, uint32_t events, uint64_t data) { return epoll_op(epfd, EPOLL_CTL_MOD, fd, events, data); }
int cs_epoll_del(int epfd, int fd) { return epoll_op(epfd, EPOLL_CTL_DEL, fd, 0, 0); }

int cs_epoll_wait(int epfd, uint32_t *events, uint64_t *datas, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n;
    do { n = epoll_wait(epfd, evs, max, timeout_ms); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) { events[i] = evs[i].events; datas[i] = evs[i].data.u64; }
    return n;
}

int cs_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
int cs_eventfd_signal(int fd) { uint64_t one = 1; return (int)write(fd, &one, sizeof one); }
int cs_eventfd_drain(int fd) { uint64_t v; return (int)read(fd, &v, sizeof v); }

int cs_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int cs_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }

int cs_pipe(int fds[2], int nonblock) { return pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)); }

int cs_set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

int cs_set_cloexec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC); }

ssize_t cs_send_nosignal(int fd, const void *buf, size_t len) {
    ssize_t n;
    do { n = send(fd, buf, len, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    return n;
}

int cs_ignore_sigpipe(void) { return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0; }

// Only async-signal-safe calls between fork and exec.
static void child_fail(int pipefd, int err) {
    (void)!write(pipefd, &err, sizeof err);
    _exit(127);
}

static void write_pid_to(const char *path, pid_t pid, int pipefd) {
    char buf[32];
    int len = 0;
    char tmp[32];
    if (pid == 0) tmp[len++] = '0';
    while (pid > 0) { tmp[len++] = (char)('0' + pid % 10); pid /= 10; }
    for (int i = 0; i < len; i++) buf[i] = tmp[len - 1 - i];
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) child_fail(pipefd, errno);
    if (write(fd, buf, (size_t)len) < 0) child_fail(pipefd, errno);
    close(fd);
}

static int dup_or_null(int fd, int target, int flags) {
    if (fd < 0) {
        fd = open("/dev/null", flags | O_CLOEXEC);
        if (fd < 0) return -1;
    }
    if (fd == target) return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

int cs_spawn(const char *path, char *const argv[], char *const envp[], const cs_spawn_opts *o, pid_t *out) {
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) < 0) return errno;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(errpipe[0]); close(errpipe[1]);
        return e;
    }
    if (pid == 0) {
        int ep = errpipe[1];
        for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
        if (o->die_with_parent) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (o->new_session && setsid() < 0) child_fail(ep, errno);
        if (o->cgroup_procs)
            for (const char *const *p = o->cgroup_procs; *p; p++) write_pid_to(*p, getpid(), ep);
        // Move the error pipe above the stdio range before dup2 overwrites 0-2.
        if (ep < 3) { int n = fcntl(ep, F_DUPFD_CLOEXEC, 3); if (n < 0) _exit(127); ep = n; }
        int in = o->stdin_fd, outfd = o->stdout_fd, errfd = o->stderr_fd;
        if (in >= 0 && in < 3 && in != 0) in = fcntl(in, F_DUPFD_CLOEXEC, 3);
        if (outfd >= 0 && outfd < 3 && outfd != 1) outfd = fcntl(outfd, F_DUPFD_CLOEXEC, 3);
        if (errfd >= 0 && errfd < 3 && errfd != 2) errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
        if (dup_or_null(in, 0, O_RDONLY) < 0) child_fail(ep, errno);
        if (dup_or_null(outfd, 1, O_WRONLY) < 0) child_fail(ep, errno);
        if (dup_or_null(errfd, 2, O_WRONLY) < 0) child_fail(ep, errno);
        for (int i = 0; i < o->rlimit_count; i++) {
            struct rlimit rl = { (rlim_t)o->rlimits[i].soft, (rlim_t)o->rlimits[i].hard };
            if (setrlimit(o->rlimits[i].resource, &rl) < 0) child_fail(ep, errno);
        }
        if (o->gid >= 0) {
            if (setgroups(0, NULL) < 0) child_fail(ep, errno);
            if (setresgid(o->gid, o->gid, o->gid) < 0) child_fail(ep, errno);
        }
        if (o->uid >= 0 && setresuid(o->uid, o->uid, o->uid) < 0) child_fail(ep, errno);
        if (o->cwd && chdir(o->cwd) < 0) child_fail(ep, errno);
        if (o->no_new_privs) prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        // Close every inherited fd except stdio and the error pipe (which is CLOEXEC).
        syscall(SYS_close_range, 3, ep - 1, 0);
        syscall(SYS_close_range, ep + 1, ~0U, 0);
        sigset_t empty;
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        execve(path, argv, envp);
        child_fail(ep, errno);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(errpipe[1]);
    int childErr = 0;
    ssize_t n;
    do { n = read(errpipe[0], &childErr, sizeof childErr); } while (n < 0 && errno == EINTR);
    close(errpipe[0]);
    if (n == sizeof childErr) {
        int st;
        waitpid(pid, &st, 0);
        return childErr ? childErr : EIO;
    }
    *out = pid;
    return 0;
}

pid_t cs_wait(pid_t pid, int nohang, int *exited, int *code, int *signaled, int *sig) {
    int st = 0;
    pid_t r;
    do { r = waitpid(pid, &st, nohang ? WNOHANG : 0); } while (r < 0 && errno == EINTR);
    if (r > 0) {
        *exited = WIFEXITED(st); *code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
        *signaled = WIFSIGNALED(st); *sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    }
    return r;
}
