#include "cs_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
#endif

// LOOP_CONFIGURE (5.8+) sets fd and flags in one step; older kernels need SET_FD then SET_STATUS64.
static int configure(int lfd, int ifd, const char *image) {
    struct loop_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fd = (unsigned)ifd;
    cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    strncpy((char *)cfg.info.lo_file_name, image, LO_NAME_SIZE - 1);
    if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) return 0;
    if (errno != EINVAL && errno != ENOTTY) return -1;
    if (ioctl(lfd, LOOP_SET_FD, ifd) != 0) return -1;
    if (ioctl(lfd, LOOP_SET_STATUS64, &cfg.info) == 0) return 0;
    int saved = errno;
    ioctl(lfd, LOOP_CLR_FD, 0);
    errno = saved;
    return -1;
}

int cs_loop_attach(const char *image, char *dev, size_t devlen) {
    int ifd = open(image, O_RDWR | O_CLOEXEC);
    if (ifd < 0) return -errno;
    int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) { int e = errno; close(ifd); return -e; }
    int result = -EBUSY;
    // Another process may grab the same free device between GET_FREE and configure: retry.
    for (int attempt = 0; attempt < 32; attempt++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) { result = -errno; break; }
        snprintf(dev, devlen, "/dev/loop%d", n);
        int lfd = open(dev, O_RDWR | O_CLOEXEC);
        if (lfd < 0) { result = -errno; if (errno == ENOENT || errno == ENXIO) continue; break; }
        if (configure(lfd, ifd, image) == 0) { result = lfd; break; }
        result = -errno;
        close(lfd);
        if (result != -EBUSY) break;
    }
    close(ctl);
    close(ifd);
    return result;
}
