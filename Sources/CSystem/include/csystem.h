#ifndef CSYSTEM_H
#define CSYSTEM_H

#include <stdint.h>
#include <sys/types.h>

// One error convention for every call of this shim: a failure returns -errno (never -1 with errno set, never
// a positive errno), so Swift reads the error from the result (`SystemError.negated`, `Syscall.shim`).

// epoll, flattened so Swift never sees the packed struct epoll_event.
int cs_epoll_create(void);
int cs_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
int cs_epoll_mod(int epfd, int fd, uint32_t events, uint64_t data);
int cs_epoll_del(int epfd, int fd);
// Fills events[i] and datas[i]; returns the count (EINTR retried) or -errno.
int cs_epoll_wait(int epfd, uint32_t *events, uint64_t *datas, int max, int timeout_ms);

extern const uint32_t CS_EPOLLIN, CS_EPOLLOUT, CS_EPOLLERR, CS_EPOLLHUP, CS_EPOLLRDHUP, CS_EPOLLET;

int cs_eventfd(void);
int cs_eventfd_signal(int fd);
int cs_eventfd_drain(int fd);

int cs_pidfd_open(pid_t pid);
int cs_pidfd_send_signal(int pidfd, int sig);

// pipe with O_CLOEXEC on both ends; nonblock applies to both when set.
int cs_pipe(int fds[2], int nonblock);
int cs_set_nonblocking(int fd, int on);
int cs_set_cloexec(int fd);
ssize_t cs_send_nosignal(int fd, const void *buf, size_t len);
int cs_ignore_sigpipe(void);

typedef struct {
    int resource;      // RLIMIT_*
    uint64_t soft;
    uint64_t hard;
} cs_rlimit;

#define CS_OOM_KEEP (-10000)

typedef struct {
    int stdin_fd;              // -1: /dev/null
    int stdout_fd;             // -1: /dev/null
    int stderr_fd;             // -1: /dev/null
    const char *cwd;           // NULL: inherit
    int uid;                   // -1: keep
    int gid;                   // -1: keep
    int new_session;           // setsid() so the child leads its own process group
    int no_new_privs;          // PR_SET_NO_NEW_PRIVS
    int die_with_parent;       // PR_SET_PDEATHSIG SIGKILL
    const char *const *cgroup_procs; // NULL-terminated list of cgroup.procs files to join
    const cs_rlimit *rlimits;
    int rlimit_count;
    int new_keyring;           // join a fresh anonymous session keyring (keys of the parent stay out of reach)
    int oom_score_adj;         // written to /proc/self/oom_score_adj unless CS_OOM_KEEP
    int memory_merge;          // PR_SET_MEMORY_MERGE: KSM may merge the child's anonymous pages (kept across exec)
    int no_aslr;               // personality ADDR_NO_RANDOMIZE, so identical programs get identical, mergeable pages
} cs_spawn_opts;

// Whether this kernel supports PR_SET_MEMORY_MERGE (Linux 6.4+): 1, 0, or -errno.
int cs_memory_merge_supported(void);

// fork/exec with signal defaults restored, an empty mask and every other fd closed.
// Returns 0 and sets *pid, or -errno (exec failures are reported, not lost).
int cs_spawn(const char *path, char *const argv[], char *const envp[], const cs_spawn_opts *opts, pid_t *pid);

// waitpid wrapper (EINTR retried): returns pid, 0 (still running, when nohang) or -errno. Decodes status.
pid_t cs_wait(pid_t pid, int nohang, int *exited, int *code, int *signaled, int *sig);


// Names the calling thread (first 15 bytes, as the kernel keeps them). 0 or -errno.
int cs_set_thread_name(const char *name);
/// PR_SET_PDEATHSIG: `sig` is sent when the thread that started this process exits.
int cs_set_parent_death_signal(int sig);

#endif
