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

int cs_set_thread_name(const char *name) {
    char buf[16];
    strncpy(buf, name, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    return -pthread_setname_np(pthread_self(), buf);
}

// The one error convention of this shim (as swift-subprocess's): a failed call returns -errno, so the
// Swift side never reads errno after the fact. RET turns a libc "-1 and errno" result into it.
#define RET(expr) do { long r_ = (long)(expr); return r_ < 0 ? -errno : r_; } while (0)

int cs_epoll_create(void) { RET(epoll_create1(EPOLL_CLOEXEC)); }

static int epoll_op(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    RET(epoll_ctl(epfd, op, fd, &ev));
}

int cs_epoll_add(int epfd, int fd, uint32_t events, uint64_t data) { return epoll_op(epfd, EPOLL_CTL_ADD, fd, events, data); }
int cs_epoll_mod(int epfd, int fd, uint32_t events, uint64_t data) { return epoll_op(epfd, EPOLL_CTL_MOD, fd, events, data); }
int cs_epoll_del(int epfd, int fd) { return epoll_op(epfd, EPOLL_CTL_DEL, fd, 0, 0); }

int cs_epoll_wait(int epfd, uint32_t *events, uint64_t *datas, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n;
    do { n = epoll_wait(epfd, evs, max, timeout_ms); } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) { events[i] = evs[i].events; datas[i] = evs[i].data.u64; }
    return n;
}

// prctl is variadic, so Swift cannot call it: the parent-death signal of the calling thread's process.
int cs_set_parent_death_signal(int sig) { RET(prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0)); }

int cs_eventfd(void) { RET(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)); }
int cs_eventfd_signal(int fd) { uint64_t one = 1; RET(write(fd, &one, sizeof one)); }
int cs_eventfd_drain(int fd) { uint64_t v; RET(read(fd, &v, sizeof v)); }

int cs_pidfd_open(pid_t pid) { RET(syscall(SYS_pidfd_open, pid, 0)); }
int cs_pidfd_send_signal(int pidfd, int sig) { RET(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0)); }

int cs_pipe(int fds[2], int nonblock) { RET(pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0))); }

int cs_set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -errno;
    RET(fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)));
}

int cs_set_cloexec(int fd) { RET(fcntl(fd, F_SETFD, FD_CLOEXEC)); }

ssize_t cs_send_nosignal(int fd, const void *buf, size_t len) {
    ssize_t n;
    do { n = send(fd, buf, len, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

int cs_ignore_sigpipe(void) { return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -errno : 0; }

#include "cs_spawn_fds.h"

// The plain spawn is the fd-passing one with no extra descriptors (one fork/exec path to get right).
int cs_spawn(const char *path, char *const argv[], char *const envp[], const cs_spawn_opts *o, pid_t *out) {
    return cs_spawn_fds(path, argv, envp, o, NULL, 0, out);
}

pid_t cs_wait(pid_t pid, int nohang, int *exited, int *code, int *signaled, int *sig) {
    int st = 0;
    pid_t r;
    do { r = waitpid(pid, &st, nohang ? WNOHANG : 0); } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    if (r > 0) {
        *exited = WIFEXITED(st); *code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
        *signaled = WIFSIGNALED(st); *sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    }
    return r;
}
