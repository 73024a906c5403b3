#ifndef CS_NET_H
#define CS_NET_H

#include <stdint.h>
#include <sys/types.h>

// TCP server sockets for the host's event loop. All calls retry on EINTR.

// Binds and listens (SO_REUSEADDR, non-blocking, close-on-exec). Returns the fd, or -errno.
// *bound_port receives the actual port (useful with port 0).
int cs_tcp_listen(const char *host, int port, int backlog, int *bound_port);
// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC and TCP_NODELAY. Writes "ip:port" into addr (NUL-terminated).
// Returns the fd, or -errno (-EAGAIN when nothing is pending).
int cs_tcp_accept(int fd, char *addr, int addr_len);
// read(2) retrying on EINTR; returns bytes, 0 on EOF, or -errno.
ssize_t cs_read_some(int fd, void *buf, size_t len);
// send(2) with MSG_NOSIGNAL retrying on EINTR; returns bytes or -errno.
ssize_t cs_send_some(int fd, const void *buf, size_t len);
int cs_shutdown_write(int fd);
int cs_close_fd(int fd);
// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the new soft limit or -errno.
long cs_raise_nofile_limit(void);

// TCP client (the command line's WebSocket client, connect.c): resolves host, connects within timeout_ms
// (each address in turn) and returns a blocking, close-on-exec fd with TCP_NODELAY, or -errno (-ETIMEDOUT when
// the time ran out, -EHOSTUNREACH when the name does not resolve).
int cs_tcp_connect(const char *host, int port, int timeout_ms);

#endif
