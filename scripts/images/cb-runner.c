// cb-runner: the main process (pid 1) of every CodeBeaker Docker session container.
//
// Why: `docker exec` costs ~85 ms per run on this machine (runc exec). The driver instead attaches
// once to this process's stdin/stdout and sends it run requests; it forks each run with the
// session's uid/gid, in its own process group, enforces the timeout and streams output back.
// As pid 1 it cannot be killed from inside the container and it reaps every orphan.
//
// Built statically by scripts/build-runtime-images.sh (no libc needed in the image).
//
// Wire format, both directions: frames of [u8 type][u32 id BE][u32 len BE][len bytes] (encoders and decoders in
// cb-wire.h, checked against Tests/Fixtures/cb-runner-wire/vectors.txt by Tests/cb-runner/wire_test.c).
// Driver -> runner:
//   'R' run: u32 uid, u32 gid, u32 timeout_ms, u32 max_output, str cwd, str file_path,
//            str file_content, str stdin, u32 argc, argc x str, u32 envc, envc x str
//            (str = u32 len BE + bytes)
//   'F' like 'R', but forked by a fork server (a pre-started interpreter) instead of exec'd: argv[0]
//       is the server's unix socket; it receives [u32 len BE][the request's bytes from cwd on] with the
//       run's stdin/stdout/stderr as SCM_RIGHTS, forks, and answers 'P'+pid, later 'S'+wait status
//       (5 bytes each). uid/gid are the server's own.
//   'K' kill run `id` (cancel)      'P' ping (answered with 'P')
// Runner -> driver:
//   'O' stdout bytes  'E' stderr bytes
//   'X' exit: i32 exit_code (-1 when signalled), i32 signal, u8 timed_out, u8 cancelled,
//             u8 stdout_truncated, u8 stderr_truncated, u8 oom_killed (the container's cgroup
//             counted an OOM kill during the run), u8 fork_server_unavailable ('F' only)
//   'P' pong
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cb-wire.h"

#define MAX_JOBS 64
#define LINGER_MS 200

typedef struct {
    int used;
    uint32_t id;
    pid_t pid;
    int out_fd, err_fd, in_fd;
    char *in_buf; size_t in_len, in_off;
    uint64_t deadline, linger_deadline;
    uint32_t max_output;
    size_t out_sent, err_sent;
    int out_trunc, err_trunc, timed_out, cancelled, exited, status;
    long oom_at_start;
    int zfd, zlen, zfail;        // fork-server connection ('F' runs), partial message, connect failure
    unsigned char zbuf[5];
    char *staged;                // the code file written for the run, removed when it ends
    uint32_t uid, gid;
} job_t;

// The container's OOM kill counter (cgroup v1 memory.oom_control or v2 memory.events); -1 if unreadable.
static long oom_kills(void) {
    static const char *files[] = { "/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events" };
    for (int f = 0; f < 2; f++) {
        FILE *fp = fopen(files[f], "re");
        if (!fp) continue;
        char line[128]; long v = -1;
        while (fgets(line, sizeof line, fp)) if (sscanf(line, "oom_kill %ld", &v) == 1) break;
        fclose(fp);
        if (v >= 0) return v;
    }
    return -1;
}

static job_t jobs[MAX_JOBS];
static unsigned char *inbuf; static size_t inlen, incap;

static uint64_t now_ms(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) { if (errno == EINTR) continue; _exit(3); }
        c += w; n -= (size_t)w;
    }
}

static void send_frame(char type, uint32_t id, const void *data, uint32_t len) {
    unsigned char h[CB_HEADER]; cb_frame_header(h, type, id, len);
    write_all(1, h, CB_HEADER);
    if (len) write_all(1, data, len);
}

static job_t *find_job(uint32_t id) {
    for (int i = 0; i < MAX_JOBS; i++) if (jobs[i].used && jobs[i].id == id) return &jobs[i];
    return NULL;
}

static void child_fail(const char *what, const char *arg) {
    dprintf(2, "%s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

// The run's environment: the runner's own (the image's ENV) with the request's entries on top.
static char **merge_env(char **req) {
    size_t n = 0, m = 0;
    while (environ[n]) n++;
    while (req[m]) m++;
    char **out = calloc(n + m + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int overridden = 0;
        for (size_t r = 0; r < m && !overridden; r++)
            if (strncmp(req[r], environ[i], klen) == 0 && req[r][klen] == '=') overridden = 1;
        if (!overridden) out[k++] = environ[i];
    }
    for (size_t r = 0; r < m; r++) out[k++] = req[r];
    out[k] = NULL;
    return out;
}

static void finish(job_t *j) {
    unsigned char x[CB_EXIT_LEN];
    long oom_now = (WIFSIGNALED(j->status) && WTERMSIG(j->status) == SIGKILL && !j->timed_out && !j->cancelled)
        ? oom_kills() : -1;
    cb_exit_payload(x, j->status, j->timed_out, j->cancelled, j->out_trunc, j->err_trunc,
                    oom_now >= 0 && j->oom_at_start >= 0 && oom_now > j->oom_at_start, j->zfail);
    if (j->staged) {
        // The file belongs to the session uid in sticky /tmp: unlink it as that uid (cb-runner has no CAP_FOWNER).
        // Removed and waited for BEFORE 'X': the driver may reuse the path as soon as it reads 'X' (the plain
        // retry of an 'F' run, the fork server's next start), and a late unlink would delete the new file.
        pid_t c = fork();
        if (c == 0) {
            if (setgroups(0, NULL) == 0 || errno == EPERM) { /* fine */ }
            if (setresgid(j->gid, j->gid, j->gid) == 0 && setresuid(j->uid, j->uid, j->uid) == 0) unlink(j->staged);
            _exit(0);
        }
        if (c > 0) while (waitpid(c, NULL, 0) < 0 && errno == EINTR) {}
        free(j->staged);
    }
    send_frame('X', j->id, x, CB_EXIT_LEN);
    if (j->zfd > 0) close(j->zfd);
    if (j->out_fd >= 0) close(j->out_fd);
    if (j->err_fd >= 0) close(j->err_fd);
    if (j->in_fd >= 0) close(j->in_fd);
    free(j->in_buf);
    memset(j, 0, sizeof *j);
}

// Hands a run to a fork server: connect, send the request with the run's three fds. Returns the
// connected socket, or -1 with errno set.
static int fork_server_send(const char *path, const unsigned char *req, uint32_t len, int fds[3]) {
    struct sockaddr_un a; memset(&a, 0, sizeof a); a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; return -1; }
    strcpy(a.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    if (connect(s, (struct sockaddr *)&a, sizeof a)) { int e = errno; close(s); errno = e; return -1; }
    unsigned char hdr[4]; put32(hdr, len);
    struct iovec iov[2] = { { hdr, 4 }, { (void *)req, len } };
    union { char buf[CMSG_SPACE(3 * sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(3 * sizeof(int));
    memcpy(CMSG_DATA(c), fds, 3 * sizeof(int));
    ssize_t w;
    do { w = sendmsg(s, &m, MSG_NOSIGNAL); } while (w < 0 && errno == EINTR);
    if (w < 0) { int e = errno; close(s); errno = e; return -1; }
    // The rest of a large request, if the first send was partial.
    size_t total = 4 + (size_t)len, off = (size_t)w;
    while (off < total) {
        const unsigned char *src = off < 4 ? hdr + off : req + (off - 4);
        size_t n = off < 4 ? 4 - off : total - off;
        ssize_t k = send(s, src, n, MSG_NOSIGNAL);
        if (k < 0) { if (errno == EINTR) continue; int e = errno; close(s); errno = e; return -1; }
        off += (size_t)k;
    }
    fcntl(s, F_SETFL, O_NONBLOCK);
    return s;
}

static void start_run(uint32_t id, const unsigned char *p, uint32_t len, int via_server) {
    run_req_t rq;
    run_req_parse(p, len, &rq);
    uint32_t uid = rq.uid, gid = rq.gid, timeout_ms = rq.timeout_ms, max_output = rq.max_output;
    size_t flen = rq.file_len, inl = rq.in_len;
    char *cwd = rq.cwd, *fpath = rq.file_path, *fcontent = rq.file_content;
    char **argv = rq.argv, **envp = rq.envp;
    job_t *j = NULL;
    for (int i = 0; i < MAX_JOBS && !j; i++) if (!jobs[i].used) j = &jobs[i];
    int refuse = rq.bad ? 1 : uid == 0 ? 2 : 0;  // runs never get root, whatever the request says
    if (refuse || !j) {
        const char *msg = refuse == 2 ? "cb-runner: refusing to run as root\n"
            : refuse ? "cb-runner: malformed run request\n" : "cb-runner: too many concurrent runs\n";
        send_frame('E', id, msg, (uint32_t)strlen(msg));
        job_t tmp = { .id = id, .out_fd = -1, .err_fd = -1, .in_fd = -1, .status = 126 << 8, .oom_at_start = -1 };
        finish(&tmp);
        goto out;
    }
    int po[2], pe[2], pi[2] = { -1, -1 };
    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) || (inl && pipe2(pi, O_CLOEXEC))) _exit(5);
    if (via_server) {
        int dn = inl ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
        int fds[3] = { inl ? pi[0] : dn, po[1], pe[1] };
        int z = fork_server_send(argv[0], p + 16, len - 16, fds);
        int err = errno;
        close(po[1]); close(pe[1]);
        if (inl) close(pi[0]); else if (dn >= 0) close(dn);
        if (inl) fcntl(pi[1], F_SETFL, O_NONBLOCK);
        fcntl(po[0], F_SETFL, O_NONBLOCK); fcntl(pe[0], F_SETFL, O_NONBLOCK);
        memset(j, 0, sizeof *j);
        j->used = 1; j->id = id; j->pid = 0; j->out_fd = po[0]; j->err_fd = pe[0]; j->in_fd = inl ? pi[1] : -1;
        j->in_buf = rq.in; rq.in = NULL; j->in_len = inl;
        j->deadline = timeout_ms ? now_ms() + timeout_ms : 0;
        j->max_output = max_output;
        j->oom_at_start = oom_kills();
        j->zfd = z;
        // The server writes the file in its child: nothing to remove if the request never reached it.
        if (fpath[0] && z >= 0) { j->staged = strdup(fpath); j->uid = uid; j->gid = gid; }
        if (z < 0) {
            (void)err;  // reported by the flag; the driver then runs the program the plain way
            j->zfail = 1; j->exited = 1; j->status = 125 << 8; j->linger_deadline = now_ms();
            j->zfd = 0;
        }
        goto out;
    }
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none; sigemptyset(&none); sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
        setsid();
        dup2(po[1], 1); dup2(pe[1], 2);
        if (inl) dup2(pi[0], 0);
        else { int dn = open("/dev/null", O_RDONLY); if (dn >= 0) dup2(dn, 0); }
        if (getuid() == 0 && uid != 0) {
            if (setgroups(0, NULL) && errno != EPERM) child_fail("setgroups", NULL);
            if (setresgid(gid, gid, gid)) child_fail("setresgid", NULL);
            if (setresuid(uid, uid, uid)) child_fail("setresuid", NULL);
        }
        umask(022);
        if (fpath[0]) {
            int fd = open(fpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) child_fail("cb-runner: cannot write", fpath);
            write_all(fd, fcontent, flen); close(fd);
        }
        if (cwd[0] && chdir(cwd)) child_fail("cb-runner: cannot enter directory", cwd);
        environ = merge_env(envp);
        execvp(argv[0], argv);
        child_fail("cb-runner: cannot run", argv[0]);
    }
    close(po[1]); close(pe[1]);
    if (inl) { close(pi[0]); fcntl(pi[1], F_SETFL, O_NONBLOCK); }
    fcntl(po[0], F_SETFL, O_NONBLOCK); fcntl(pe[0], F_SETFL, O_NONBLOCK);
    memset(j, 0, sizeof *j);
    j->used = 1; j->id = id; j->pid = pid; j->out_fd = po[0]; j->err_fd = pe[0]; j->in_fd = inl ? pi[1] : -1;
    j->in_buf = rq.in; rq.in = NULL; j->in_len = inl;
    j->deadline = timeout_ms ? now_ms() + timeout_ms : 0;
    j->max_output = max_output;
    j->oom_at_start = oom_kills();
    if (fpath[0]) { j->staged = strdup(fpath); j->uid = uid; j->gid = gid; }
    if (pid < 0) { j->status = 127 << 8; j->exited = 1; }
out:
    run_req_free(&rq);
}

static void handle_frame(char type, uint32_t id, const unsigned char *p, uint32_t len) {
    if (type == 'R') start_run(id, p, len, 0);
    else if (type == 'F') start_run(id, p, len, 1);
    else if (type == 'P') send_frame('P', id, NULL, 0);
    else if (type == 'K') {
        job_t *j = find_job(id);
        if (j && !j->exited) { j->cancelled = 1; if (j->pid > 0) { kill(-j->pid, SIGKILL); kill(j->pid, SIGKILL); } }
    }
}

// A fork server's answers about one run: 'P' + pid, then 'S' + wait status.
static void zygote_read(job_t *j) {
    for (;;) {
        ssize_t n = read(j->zfd, j->zbuf + j->zlen, 5 - (size_t)j->zlen);
        if (n < 0) { if (errno == EINTR) continue; if (errno == EAGAIN) return; n = 0; }
        if (n == 0) {
            // The server went away without a status: the run is lost with it.
            close(j->zfd); j->zfd = 0;
            if (!j->exited) {
                if (j->pid > 0) { kill(-j->pid, SIGKILL); j->status = SIGKILL; }
                else { j->zfail = 1; j->status = 125 << 8; }  // it never forked: the driver runs it the plain way
                j->exited = 1; j->linger_deadline = now_ms() + LINGER_MS;
            }
            return;
        }
        j->zlen += (int)n;
        if (j->zlen < 5) continue;
        j->zlen = 0;
        int v = (int)get32(j->zbuf + 1);
        if (j->zbuf[0] == 'P') {
            j->pid = v;
            if (j->timed_out || j->cancelled) { kill(-v, SIGKILL); kill(v, SIGKILL); }
        } else if (j->zbuf[0] == 'S' && !j->exited) {
            j->exited = 1; j->status = v;
            if (j->pid > 0) kill(-j->pid, SIGKILL);
            j->linger_deadline = now_ms() + LINGER_MS;
        }
    }
}

// Forwards one read of a job's pipe; returns 0 at EOF.
static int pump(job_t *j, int is_err) {
    char buf[65536];
    int fd = is_err ? j->err_fd : j->out_fd;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    if (n == 0) return 0;
    size_t *sent = is_err ? &j->err_sent : &j->out_sent;
    int *trunc = is_err ? &j->err_trunc : &j->out_trunc;
    size_t room = *sent < j->max_output ? j->max_output - *sent : 0;
    size_t give = (size_t)n < room ? (size_t)n : room;
    if (give < (size_t)n) *trunc = 1;
    if (give) { send_frame(is_err ? 'E' : 'O', j->id, buf, (uint32_t)give); *sent += give; }
    return 1;
}

static void reap(void) {
    int st; pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (int i = 0; i < MAX_JOBS; i++) if (jobs[i].used && jobs[i].pid == pid && !jobs[i].exited) {
            jobs[i].exited = 1; jobs[i].status = st;
            // Background processes of this run die with it; their pipes then close.
            kill(-pid, SIGKILL);
            jobs[i].linger_deadline = now_ms() + LINGER_MS;
        }
    }
}

int main(void) {
    if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigset_t mask; sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD); sigaddset(&mask, SIGTERM); sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    fcntl(0, F_SETFD, FD_CLOEXEC);
    incap = 1 << 16; inbuf = malloc(incap);
    int stdin_open = 1;
    for (;;) {
        struct pollfd pf[2 + 4 * MAX_JOBS]; job_t *owner[2 + 4 * MAX_JOBS]; int kind[2 + 4 * MAX_JOBS];
        int n = 0;
        pf[n] = (struct pollfd){ sfd, POLLIN, 0 }; owner[n] = NULL; kind[n++] = 0;
        if (stdin_open) { pf[n] = (struct pollfd){ 0, POLLIN, 0 }; owner[n] = NULL; kind[n++] = 1; }
        uint64_t now = now_ms(), wake = 0;
        for (int i = 0; i < MAX_JOBS; i++) {
            job_t *j = &jobs[i];
            if (!j->used) continue;
            if (!j->exited && j->deadline && now >= j->deadline && !j->timed_out) {
                j->timed_out = 1;
                if (j->pid > 0) { kill(-j->pid, SIGKILL); kill(j->pid, SIGKILL); }
            }
            if (j->exited && ((j->out_fd < 0 && j->err_fd < 0) || now >= j->linger_deadline)) { finish(j); continue; }
            uint64_t d = j->exited ? j->linger_deadline : (j->timed_out ? 0 : j->deadline);
            if (d && (!wake || d < wake)) wake = d;
            if (j->out_fd >= 0) { pf[n] = (struct pollfd){ j->out_fd, POLLIN, 0 }; owner[n] = j; kind[n++] = 2; }
            if (j->err_fd >= 0) { pf[n] = (struct pollfd){ j->err_fd, POLLIN, 0 }; owner[n] = j; kind[n++] = 3; }
            if (j->in_fd >= 0) { pf[n] = (struct pollfd){ j->in_fd, POLLOUT, 0 }; owner[n] = j; kind[n++] = 4; }
            if (j->zfd > 0) { pf[n] = (struct pollfd){ j->zfd, POLLIN, 0 }; owner[n] = j; kind[n++] = 5; }
        }
        if (!stdin_open) {
            int any = 0;
            for (int i = 0; i < MAX_JOBS; i++) if (jobs[i].used) { any = 1; if (jobs[i].pid > 0) kill(-jobs[i].pid, SIGKILL); }
            if (!any) return 0;
        }
        int timeout = wake ? (int)(wake > now ? wake - now : 0) : -1;
        int r = poll(pf, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR) return 2;
        for (int k = 0; r > 0 && k < n; k++) {
            if (!pf[k].revents) continue;
            job_t *j = owner[k];
            if (kind[k] == 0) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == sizeof si)
                    if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) stdin_open = 0;
                reap();
            } else if (kind[k] == 1) {
                if (inlen == incap) { incap *= 2; inbuf = realloc(inbuf, incap); if (!inbuf) return 4; }
                ssize_t got = read(0, inbuf + inlen, incap - inlen);
                if (got <= 0) { if (got == 0 || (errno != EINTR && errno != EAGAIN)) stdin_open = 0; continue; }
                inlen += (size_t)got;
                size_t off = 0;
                for (;;) {
                    char type; uint32_t id, len;
                    int got_frame = cb_frame_parse(inbuf + off, inlen - off, &type, &id, &len);
                    if (got_frame < 0) return 6;
                    if (got_frame == 0) {
                        if (inlen - off >= CB_HEADER && CB_HEADER + (size_t)get32(inbuf + off + 5) > incap)
                            incap = CB_HEADER + (size_t)get32(inbuf + off + 5);
                        break;
                    }
                    handle_frame(type, id, inbuf + off + CB_HEADER, len);
                    off += CB_HEADER + len;
                }
                memmove(inbuf, inbuf + off, inlen - off); inlen -= off;
                if (incap > inlen && incap > (1u << 16)) { unsigned char *nb = realloc(inbuf, incap); if (!nb) return 4; inbuf = nb; }
            } else if (kind[k] == 2 || kind[k] == 3) {
                if (!pump(j, kind[k] == 3)) {
                    if (kind[k] == 2) { close(j->out_fd); j->out_fd = -1; } else { close(j->err_fd); j->err_fd = -1; }
                }
            } else if (kind[k] == 5) {
                zygote_read(j);
            } else if (kind[k] == 4) {
                ssize_t w = write(j->in_fd, j->in_buf + j->in_off, j->in_len - j->in_off);
                if (w > 0) j->in_off += (size_t)w;
                if ((w < 0 && errno != EAGAIN && errno != EINTR) || j->in_off >= j->in_len) { close(j->in_fd); j->in_fd = -1; }
            }
        }
        reap();
    }
}
