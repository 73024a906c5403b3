#ifndef CS_LOOP_H
#define CS_LOOP_H

#include <stddef.h>

// Attaches `image` to a free loop device with autoclear set, so the device goes away with the last
// user (the mount). Writes "/dev/loopN" into `dev`. Returns the open loop fd, which the caller keeps
// until the device is mounted (closing it earlier clears the device), or -errno.
int cs_loop_attach(const char *image, char *dev, size_t devlen);

#endif
