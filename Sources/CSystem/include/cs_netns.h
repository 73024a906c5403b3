#ifndef CS_NETNS_H
#define CS_NETNS_H

#include <stdint.h>

// Network namespaces held by descriptor (the driver runs as root). Every call that enters a namespace
// does so on the calling thread only and returns to the thread's own namespace before it returns.

// A new network namespace with its loopback up. Returns its fd (close-on-exec), or -errno.
int cs_netns_create(void);
// Moves the calling thread into the namespace `nsfd`; returns an fd of the thread's previous namespace
// (for cs_netns_leave), or -errno.
int cs_netns_enter(int nsfd);
// Returns the calling thread to `saved` (from cs_netns_enter) and closes it. Returns 0 or -errno.
int cs_netns_leave(int saved);
// A blocking TCP listener on 127.0.0.1 (port 0: any) inside `nsfd`. Returns the fd, or -errno;
// *bound_port receives the port.
int cs_netns_tcp_listen(int nsfd, int port, int *bound_port);
// Adds a route of type RTN_PROHIBIT (connect fails with EACCES) for addr/prefix (family AF_INET or
// AF_INET6, addr in network order) inside `nsfd`. Returns 0 (also when it exists) or -errno.
int cs_netns_prohibit(int nsfd, int family, const uint8_t *addr, int prefix);

#endif
