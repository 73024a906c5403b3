#include "cs_netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int self_ns(void) {
    int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int cs_netns_enter(int nsfd) {
    int saved = self_ns();
    if (saved < 0) return saved;
    if (setns(nsfd, CLONE_NEWNET) < 0) {
        int e = errno;
        close(saved);
        return -e;
    }
    return saved;
}

int cs_netns_leave(int saved) {
    int rc = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;
    close(saved);
    return rc;
}

static int loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = 0;
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) rc = -errno;
    else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) rc = -errno;
    }
    close(s);
    return rc;
}

int cs_netns_create(void) {
    int saved = self_ns();
    if (saved < 0) return saved;
    if (unshare(CLONE_NEWNET) < 0) {
        int e = errno;
        close(saved);
        return -e;
    }
    int fd = self_ns();
    int rc = fd < 0 ? fd : loopback_up();
    int back = cs_netns_leave(saved);
    if (back < 0) return back;  // the thread could not go home: nothing sane left to do but report it
    if (rc < 0) {
        if (fd >= 0) close(fd);
        return rc;
    }
    return fd;
}

int cs_netns_tcp_listen(int nsfd, int port, int *bound_port) {
    int saved = cs_netns_enter(nsfd);
    if (saved < 0) return saved;
    int rc;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) rc = -errno;
    else {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0 ||
            getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
            rc = -errno;
            close(fd);
        } else {
            *bound_port = ntohs(a.sin_port);
            rc = fd;
        }
    }
    int back = cs_netns_leave(saved);
    if (back < 0) {
        if (rc >= 0) close(rc);
        return back;
    }
    return rc;
}

int cs_netns_prohibit(int nsfd, int family, const uint8_t *addr, int prefix) {
    int alen = family == AF_INET ? 4 : 16;
    struct {
        struct nlmsghdr nh;
        struct rtmsg rt;
        char attrs[64];
    } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_type = RTM_NEWROUTE;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    req.nh.nlmsg_seq = 1;
    req.rt.rtm_family = (unsigned char)family;
    req.rt.rtm_dst_len = (unsigned char)prefix;
    req.rt.rtm_table = RT_TABLE_MAIN;
    req.rt.rtm_protocol = RTPROT_STATIC;
    req.rt.rtm_scope = RT_SCOPE_UNIVERSE;
    req.rt.rtm_type = RTN_PROHIBIT;
    struct rtattr *ra = (struct rtattr *)req.attrs;
    ra->rta_type = RTA_DST;
    ra->rta_len = (unsigned short)RTA_LENGTH(alen);
    memcpy(RTA_DATA(ra), addr, (size_t)alen);
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)) + RTA_ALIGN(ra->rta_len);

    int saved = cs_netns_enter(nsfd);
    if (saved < 0) return saved;
    int rc = 0;
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) rc = -errno;
    int back = cs_netns_leave(saved);  // a netlink socket stays bound to the namespace it was made in
    if (back < 0) {
        if (s >= 0) close(s);
        return back;
    }
    if (rc < 0) return rc;
    struct sockaddr_nl k;
    memset(&k, 0, sizeof k);
    k.nl_family = AF_NETLINK;
    if (sendto(s, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0) rc = -errno;
    else {
        char buf[512];
        ssize_t n;
        do { n = recv(s, buf, sizeof buf, 0); } while (n < 0 && errno == EINTR);
        if (n < 0) rc = -errno;
        else {
            struct nlmsghdr *h = (struct nlmsghdr *)buf;
            if (NLMSG_OK(h, (unsigned)n) && h->nlmsg_type == NLMSG_ERROR) {
                int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                rc = err == -EEXIST ? 0 : err;
            }
        }
    }
    close(s);
    return rc;
}
