// cb-wire.h: the framing cb-runner speaks with the docker driver (Drivers/docker/Runner/RunnerWire.swift).
// Included by cb-runner.c and by its wire test (Tests/cb-runner/wire_test.c), which checks it against the
// golden frames in Tests/Fixtures/cb-runner-wire/vectors.txt, as the Swift side's test does.
//
// Frames, both directions: [u8 type][u32 id BE][u32 len BE][len bytes]. Payloads: see cb-runner.c's header.
#ifndef CB_WIRE_H
#define CB_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CB_HEADER 9
#define CB_MAX_FRAME (64u << 20)
#define CB_MAX_ARGS 65536
#define CB_EXIT_LEN 14

static inline void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}
static inline uint32_t get32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void cb_frame_header(unsigned char h[CB_HEADER], char type, uint32_t id, uint32_t len) {
    h[0] = (unsigned char)type; put32(h + 1, id); put32(h + 5, len);
}

// The frame at the start of `p` (`n` bytes available): 1 with its parts when it is complete, 0 when more bytes
// are needed, -1 when its length exceeds CB_MAX_FRAME.
static inline int cb_frame_parse(const unsigned char *p, size_t n, char *type, uint32_t *id, uint32_t *len) {
    if (n < CB_HEADER) return 0;
    *len = get32(p + 5);
    if (*len > CB_MAX_FRAME) return -1;
    if (n - CB_HEADER < *len) return 0;
    *type = (char)p[0]; *id = get32(p + 1);
    return 1;
}

// Cursor over a request payload; any overrun marks it bad.
typedef struct { const unsigned char *p; size_t left; int bad; } cur_t;
static inline uint32_t c32(cur_t *c) {
    if (c->left < 4) { c->bad = 1; return 0; }
    uint32_t v = get32(c->p); c->p += 4; c->left -= 4;
    return v;
}
// A NUL-terminated copy of the next string (its byte length in *len_out); NULL when the payload is short.
static inline char *cstr(cur_t *c, size_t *len_out) {
    uint32_t n = c32(c);
    if (c->bad || c->left < n) { c->bad = 1; return NULL; }
    char *s = malloc((size_t)n + 1); if (!s) _exit(4);
    memcpy(s, c->p, n); s[n] = 0; c->p += n; c->left -= n;
    if (len_out) *len_out = n;
    return s;
}

// An 'R' or 'F' request's payload, decoded. `bad` is set when the payload is malformed (the other fields are
// then partial); run_req_free releases it either way.
typedef struct {
    uint32_t uid, gid, timeout_ms, max_output;
    char *cwd, *file_path, *file_content, *in;
    size_t file_len, in_len;
    uint32_t argc, envc;
    char **argv, **envp;  // NULL-terminated
    int bad;
} run_req_t;

static inline void run_req_parse(const unsigned char *p, uint32_t len, run_req_t *r) {
    cur_t c = { p, len, 0 };
    memset(r, 0, sizeof *r);
    r->uid = c32(&c); r->gid = c32(&c); r->timeout_ms = c32(&c); r->max_output = c32(&c);
    r->cwd = cstr(&c, NULL); r->file_path = cstr(&c, NULL);
    r->file_content = cstr(&c, &r->file_len); r->in = cstr(&c, &r->in_len);
    r->argc = c32(&c);
    if (r->argc == 0 || r->argc > CB_MAX_ARGS) c.bad = 1;
    r->argv = c.bad ? NULL : calloc((size_t)r->argc + 1, sizeof(char *));
    for (uint32_t i = 0; !c.bad && i < r->argc; i++) r->argv[i] = cstr(&c, NULL);
    r->envc = c.bad ? 0 : c32(&c);
    if (r->envc > CB_MAX_ARGS) c.bad = 1;
    r->envp = c.bad ? NULL : calloc((size_t)r->envc + 1, sizeof(char *));
    for (uint32_t i = 0; !c.bad && i < r->envc; i++) r->envp[i] = cstr(&c, NULL);
    r->bad = c.bad;
}

static inline void run_req_free(run_req_t *r) {
    free(r->cwd); free(r->file_path); free(r->file_content); free(r->in);
    if (r->argv) { for (uint32_t i = 0; i < r->argc; i++) free(r->argv[i]); free(r->argv); }
    if (r->envp) { for (uint32_t i = 0; i < r->envc; i++) free(r->envp[i]); free(r->envp); }
    memset(r, 0, sizeof *r);
}

// The 'X' payload for a run that ended with wait status `status`: i32 exit code (-1 when signalled), i32 signal,
// then one byte each for timed_out, cancelled, stdout/stderr truncated, oom_killed, fork_server_unavailable.
static inline void cb_exit_payload(unsigned char x[CB_EXIT_LEN], int status, int timed_out, int cancelled,
                                   int out_trunc, int err_trunc, int oom_killed, int fork_server_unavailable) {
    int code = -1, sig = 0;
    if (WIFEXITED(status)) code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) sig = WTERMSIG(status);
    put32(x, (uint32_t)code); put32(x + 4, (uint32_t)sig);
    x[8] = (unsigned char)timed_out; x[9] = (unsigned char)cancelled;
    x[10] = (unsigned char)out_trunc; x[11] = (unsigned char)err_trunc;
    x[12] = (unsigned char)oom_killed; x[13] = (unsigned char)fork_server_unavailable;
}

#endif
