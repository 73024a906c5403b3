#ifndef CS_SPAWN_FDS_H
#define CS_SPAWN_FDS_H

#include "csystem.h"

// Like cs_spawn, but the child also receives extra_fds[i] as descriptor 3+i (for a control channel
// beside stdio). Every other descriptor is closed.
int cs_spawn_fds(const char *path, char *const argv[], char *const envp[], const cs_spawn_opts *opts,
                 const int *extra_fds, int extra_count, pid_t *pid);

// socketpair(AF_UNIX, SOCK_STREAM) with close-on-exec on both ends. 0 or -errno.
int cs_socketpair(int fds[2]);

// Sends SIGKILL to every pid listed in a cgroup's cgroup.procs file; returns how many were signalled, or
// -errno if the file cannot be opened.
int cs_kill_cgroup(const char *procs_path);

#endif
