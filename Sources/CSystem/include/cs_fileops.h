#ifndef CS_FILEOPS_H
#define CS_FILEOPS_H

#include <stddef.h>
#include <sys/types.h>

// copy_file_range(2) between the current offsets of two fds: bytes copied (0 at EOF) or -errno
// (-ENOSYS, -EXDEV, -EINVAL: the caller falls back to read/write).
ssize_t cs_copy_file_range(int in_fd, int out_fd, size_t len);

// Sets the nice value of the calling thread only (Linux: setpriority on its tid). 0 or -errno.
int cs_nice_current_thread(int nice);

#endif
