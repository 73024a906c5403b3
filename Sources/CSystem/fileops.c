#include "cs_fileops.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

ssize_t cs_copy_file_range(int in_fd, int out_fd, size_t len) {
    for (;;) {
        ssize_t n = copy_file_range(in_fd, NULL, out_fd, NULL, len, 0);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        return -errno;
    }
}

int cs_nice_current_thread(int nice) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    return setpriority(PRIO_PROCESS, (id_t)tid, nice) == 0 ? 0 : -errno;
}

