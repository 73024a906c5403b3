// cb-runner's side of the golden wire vectors (Tests/Fixtures/cb-runner-wire/vectors.txt): decodes what the
// driver sends and encodes what the runner sends with scripts/images/cb-wire.h, the code cb-runner itself uses.
// The Swift side checks the same bytes in Tests/DockerDriverTests/RunnerWireVectorTests.swift.
// Built and run by scripts/lint.sh: wire_test VECTORS-FILE; exit status 0 when every check holds.
#include <signal.h>
#include <stdio.h>

#include "../../scripts/images/cb-wire.h"

#define MAX_VECTORS 64
static struct { char name[64]; unsigned char *bytes; size_t len; } vectors[MAX_VECTORS];
static int nvectors, failures;

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// `NAME HEX...` lines; `#` starts a comment line; spaces inside HEX are ignored.
static int load(const char *path) {
    FILE *f = fopen(path, "re");
    if (!f) { perror(path); return -1; }
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        if (nvectors == MAX_VECTORS) { fprintf(stderr, "too many vectors\n"); fclose(f); return -1; }
        char *sp = strchr(line, ' ');
        if (!sp || (size_t)(sp - line) >= sizeof vectors[0].name) { fprintf(stderr, "bad line: %s", line); fclose(f); return -1; }
        memcpy(vectors[nvectors].name, line, (size_t)(sp - line));
        unsigned char *b = malloc(strlen(sp) / 2 + 1);
        if (!b) { fclose(f); return -1; }
        size_t n = 0;
        int hi = -1;
        for (const char *c = sp; *c && *c != '\n'; c++) {
            if (*c == ' ') continue;
            int v = hexval((unsigned char)*c);
            if (v < 0) { fprintf(stderr, "bad hex in %s\n", vectors[nvectors].name); free(b); fclose(f); return -1; }
            if (hi < 0) hi = v; else { b[n++] = (unsigned char)(hi << 4 | v); hi = -1; }
        }
        if (hi >= 0) { fprintf(stderr, "odd hex length in %s\n", vectors[nvectors].name); free(b); fclose(f); return -1; }
        vectors[nvectors].bytes = b; vectors[nvectors].len = n; nvectors++;
    }
    fclose(f);
    return 0;
}

static const unsigned char *vector(const char *name, size_t *len) {
    for (int i = 0; i < nvectors; i++)
        if (strcmp(vectors[i].name, name) == 0) { *len = vectors[i].len; return vectors[i].bytes; }
    fprintf(stderr, "FAIL: no vector %s\n", name);
    failures++;
    return NULL;
}

#define CHECK(name, cond) do { if (!(cond)) { fprintf(stderr, "FAIL %s: %s\n", name, #cond); failures++; } } while (0)

// A driver -> runner frame: the header parses and holds exactly one frame of `type` and `id`.
static const unsigned char *frame_of(const char *name, char type, uint32_t id, uint32_t *len) {
    size_t n;
    const unsigned char *b = vector(name, &n);
    if (!b) return NULL;
    char t; uint32_t got_id;
    int r = cb_frame_parse(b, n, &t, &got_id, len);
    CHECK(name, r == 1);
    if (r != 1) return NULL;
    CHECK(name, t == type);
    CHECK(name, got_id == id);
    CHECK(name, CB_HEADER + (size_t)*len == n);
    // One byte short is an incomplete frame, not a shorter one.
    CHECK(name, cb_frame_parse(b, n - 1, &t, &got_id, len) == 0);
    cb_frame_parse(b, n, &t, &got_id, len);
    return b + CB_HEADER;
}

static int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static void decodes_requests(void) {
    uint32_t len;
    const unsigned char *p = frame_of("run_basic", 'R', 7, &len);
    if (p) {
        run_req_t r;
        run_req_parse(p, len, &r);
        CHECK("run_basic", !r.bad);
        CHECK("run_basic", r.uid == 1000 && r.gid == 1001 && r.timeout_ms == 500 && r.max_output == 64);
        CHECK("run_basic", streq(r.cwd, "/w") && streq(r.file_path, "") && r.file_len == 0);
        CHECK("run_basic", r.in_len == 1 && streq(r.in, "A"));
        CHECK("run_basic", r.argc == 1 && r.argv && streq(r.argv[0], "id") && r.argv[1] == NULL);
        CHECK("run_basic", r.envc == 1 && r.envp && streq(r.envp[0], "A=1") && r.envp[1] == NULL);
        run_req_free(&r);
        // Every truncation of the payload is malformed, never a shorter request.
        for (uint32_t cut = 0; cut < len; cut++) {
            run_req_parse(p, cut, &r);
            CHECK("run_basic truncated", r.bad);
            run_req_free(&r);
        }
    }
    p = frame_of("run_fork_server", 'F', 0x01020304, &len);
    if (p) {
        run_req_t r;
        run_req_parse(p, len, &r);
        CHECK("run_fork_server", !r.bad);
        CHECK("run_fork_server", r.uid == 1 && r.gid == 2 && r.timeout_ms == 0 && r.max_output == 1u << 20);
        CHECK("run_fork_server", streq(r.cwd, "/workspace") && streq(r.file_path, "/tmp/a.py"));
        CHECK("run_fork_server", r.file_len == 12 && streq(r.file_content, "print('\xc3\xa9')\n"));
        CHECK("run_fork_server", r.in_len == 0 && streq(r.in, ""));
        CHECK("run_fork_server", r.argc == 3 && streq(r.argv[0], "/tmp/s.sock") && streq(r.argv[1], "python3")
              && streq(r.argv[2], "/tmp/a.py") && r.argv[3] == NULL);
        CHECK("run_fork_server", r.envc == 0 && r.envp && r.envp[0] == NULL);
        run_req_free(&r);
    }
    p = frame_of("kill", 'K', 9, &len);
    CHECK("kill", p && len == 0);
    p = frame_of("ping", 'P', 0xFFFFFFFFu, &len);
    CHECK("ping", p && len == 0);
}

// A runner -> driver frame built the way cb-runner's send_frame does, compared byte for byte.
static void expect_frame(const char *name, char type, uint32_t id, const void *payload, uint32_t len) {
    size_t n;
    const unsigned char *b = vector(name, &n);
    if (!b) return;
    unsigned char h[CB_HEADER];
    cb_frame_header(h, type, id, len);
    CHECK(name, n == CB_HEADER + (size_t)len);
    CHECK(name, n >= CB_HEADER && memcmp(b, h, CB_HEADER) == 0);
    CHECK(name, n == CB_HEADER + (size_t)len && (len == 0 || memcmp(b + CB_HEADER, payload, len) == 0));
}

static void encodes_events(void) {
    expect_frame("stdout", 'O', 3, "hi", 2);
    expect_frame("stderr", 'E', 3, "x\n", 2);
    expect_frame("pong", 'P', 0xFFFFFFFFu, NULL, 0);
    unsigned char x[CB_EXIT_LEN];
    cb_exit_payload(x, 2 << 8, 0, 0, 1, 0, 0, 0);                    // exited with 2, stdout truncated
    expect_frame("exit_code", 'X', 3, x, CB_EXIT_LEN);
    cb_exit_payload(x, SIGKILL, 1, 0, 0, 0, 1, 0);                  // killed, timed out, OOM kill counted
    expect_frame("exit_signalled", 'X', 1, x, CB_EXIT_LEN);
    cb_exit_payload(x, SIGKILL, 0, 1, 0, 1, 0, 0);                  // killed, cancelled, stderr truncated
    expect_frame("exit_cancelled", 'X', 5, x, CB_EXIT_LEN);
    cb_exit_payload(x, 125 << 8, 0, 0, 0, 0, 0, 1);                 // no fork server: exit 125, flagged
    expect_frame("exit_no_fork_server", 'X', 2, x, CB_EXIT_LEN);
}

static void rejects_oversized_frames(void) {
    unsigned char h[CB_HEADER];
    char t; uint32_t id, len;
    cb_frame_header(h, 'R', 1, CB_MAX_FRAME + 1);
    CHECK("oversized", cb_frame_parse(h, sizeof h, &t, &id, &len) == -1);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s VECTORS-FILE\n", argv[0]); return 2; }
    if (load(argv[1])) return 2;
    decodes_requests();
    encodes_events();
    rejects_oversized_frames();
    if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
    printf("cb-runner wire: %d vectors match\n", nvectors);
    return 0;
}
