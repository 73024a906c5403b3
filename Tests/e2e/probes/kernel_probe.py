"""Runs inside a sandbox (or on the host, to plant objects) and enumerates kernel interfaces that could reach
outside it. Prints one JSON object. Modes:
  hold  TAG PORT SECONDS   create one of every IPC object and listener, write /workspace/.ready, wait
  probe TAG PORT           report which objects named TAG / listeners on PORT this process can see or reach
  families PORT TAG        try every socket family; try to reach the host's listeners with the ones that open
  views PORT TAG           what /proc, /sys and /dev show of the host
Standard library only (ctypes for SysV and POSIX IPC), so it runs in every runtime's sandbox."""
import ctypes
import ctypes.util
import errno
import json
import os
import socket
import stat
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
librt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
librt.mq_open.restype = ctypes.c_int
librt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
IPC_CREAT, IPC_EXCL, IPC_RMID = 0o1000, 0o2000, 0
SYS = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}[os.uname().machine]
KEY_SPEC_SESSION_KEYRING, KEYCTL_SEARCH = -3, 10
libc.syscall.restype = ctypes.c_long

def key_of(tag):
    return int(tag[-7:], 16)  # tags end in hex digits: a SysV key that no other test uses

def err(rc):
    return None if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def create_all(tag, port):
    k = key_of(tag)
    out = {"sysv_shm": err(libc.shmget(k, 4096, IPC_CREAT | 0o666)),
           "sysv_msg": err(libc.msgget(k, IPC_CREAT | 0o666)),
           "sysv_sem": err(libc.semget(k, 1, IPC_CREAT | 0o666)),
           "posix_mq": err(librt.mq_open(b"/" + tag.encode(), os.O_CREAT | os.O_RDWR, 0o666, None)),
           "session_key": err(libc.syscall(SYS["add_key"], b"user", tag.encode(), b"secret", 6,
                                           KEY_SPEC_SESSION_KEYRING))}
    try:
        with open(f"/dev/shm/{tag}", "w") as f:
            f.write("x")
        out["dev_shm"] = None
    except OSError as e:
        out["dev_shm"] = errno.errorcode.get(e.errno)
    keep = []
    for name, fam, addr in [("abstract_unix", socket.AF_UNIX, "\0" + tag),
                            ("tcp4_loopback", socket.AF_INET, ("127.0.0.1", port)),
                            ("tcp6_loopback", socket.AF_INET6, ("::1", port))]:
        try:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.bind(addr)
            s.listen(8)
            keep.append(s)
            out[name] = None
        except OSError as e:
            out[name] = errno.errorcode.get(e.errno, str(e))
    return out, keep


def remove_all(tag):
    k = key_of(tag)
    if (i := libc.shmget(k, 0, 0)) >= 0:
        libc.shmctl(i, IPC_RMID, None)
    if (i := libc.msgget(k, 0)) >= 0:
        libc.msgctl(i, IPC_RMID, None)
    if (i := libc.semget(k, 0, 0)) >= 0:
        libc.semctl(i, 0, IPC_RMID)
    librt.mq_unlink(b"/" + tag.encode())
    try:
        os.unlink(f"/dev/shm/{tag}")
    except OSError:
        pass


def connects(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(addr)
        return True
    except OSError:
        return False
    finally:
        s.close()


def seen(tag, port):
    """Which of another holder's objects are visible or reachable from here (True means it leaked)."""
    k = key_of(tag)
    out = {"sysv_shm": libc.shmget(k, 0, 0) >= 0,
           "sysv_msg": libc.msgget(k, 0) >= 0,
           "sysv_sem": libc.semget(k, 0, 0) >= 0,
           "dev_shm": os.path.exists(f"/dev/shm/{tag}")}
    fd = librt.mq_open(b"/" + tag.encode(), os.O_RDONLY, 0, None)
    out["posix_mq"] = fd >= 0
    out["session_key"] = libc.syscall(SYS["keyctl"], KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, b"user",
                                      tag.encode(), 0) >= 0
    out["abstract_unix"] = connects(socket.AF_UNIX, "\0" + tag)
    out["tcp4_loopback"] = connects(socket.AF_INET, ("127.0.0.1", port))
    out["tcp6_loopback"] = connects(socket.AF_INET6, ("::1", port))
    return out


def families(port, tag):
    """socket() for every address family; the host's listeners must stay unreachable whichever opens."""
    opened = {}
    for fam in range(1, 46):
        for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_RAW, socket.SOCK_SEQPACKET):
            try:
                socket.socket(fam, typ).close()
                opened.setdefault(str(fam), []).append(int(typ))
            except OSError:
                pass
    reach = {"tcp4_host": connects(socket.AF_INET, ("127.0.0.1", port)),
             "tcp6_host": connects(socket.AF_INET6, ("::1", port)),
             "abstract_host": connects(socket.AF_UNIX, "\0" + tag)}
    try:  # vsock CID 2 is the host
        s = socket.socket(40, socket.SOCK_STREAM)
        s.settimeout(2)
        reach["vsock_host"] = s.connect_ex((2, port)) == 0
        s.close()
    except OSError:
        reach["vsock_host"] = False
    raw = {}
    for name, fam, typ, proto in [("packet", socket.AF_PACKET, socket.SOCK_RAW, 0x0300),
                                  ("raw_inet", socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)]:
        try:
            socket.socket(fam, typ, proto).close()
            raw[name] = "opened"
        except OSError as e:
            raw[name] = errno.errorcode.get(e.errno)
    interfaces = sorted(name for _, name in socket.if_nameindex())
    return {"opened": opened, "reach": reach, "raw": raw, "interfaces": interfaces}


ALLOWED_CHAR = {(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2)}  # null zero full random urandom tty console ptmx


def views(port, tag):
    cmdlines = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                cmdlines.append(open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                pass
    listening = []
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in open(f).read().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A":
                    listening.append(int(local.rsplit(":", 1)[1], 16))
        except OSError:
            pass
    try:
        unix = open("/proc/net/unix").read()
    except OSError:
        unix = ""
    devices = []
    for root, dirs, files in os.walk("/dev"):
        dirs[:] = [d for d in dirs if d not in ("pts", "fd")]
        for name in files:
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISBLK(st.st_mode):
                devices.append(f"{path} block")
            elif stat.S_ISCHR(st.st_mode) and (os.major(st.st_rdev), os.minor(st.st_rdev)) not in ALLOWED_CHAR:
                devices.append(f"{path} char {os.major(st.st_rdev)}:{os.minor(st.st_rdev)}")
    writes = {}  # opened for writing, never written: a probe run on the host must change nothing
    for path in ("/proc/sysrq-trigger", "/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches",
                 "/sys/kernel/mm/ksm/run", "/proc/sys/kernel/core_pattern"):
        try:
            os.close(os.open(path, os.O_WRONLY))
            writes[path] = "writable"
        except OSError as e:
            writes[path] = errno.errorcode.get(e.errno)
    reads = {}
    for path in ("/proc/kcore", "/proc/kmsg", "/dev/kmsg", "/sys/firmware", "/proc/1/root/etc/shadow"):
        try:
            if os.path.isdir(path):
                reads[path] = "listed" if os.listdir(path) else "empty"
            else:
                with open(path, "rb") as f:
                    reads[path] = "read" if f.read(1) else "empty"
        except OSError as e:
            reads[path] = errno.errorcode.get(e.errno)
    ksyms = [l.split()[0] for l in open("/proc/kallsyms").read().splitlines()[:200]] if os.path.exists("/proc/kallsyms") else []
    net_sys = sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []
    return {"cmdlines": cmdlines, "listening": listening, "host_abstract_seen": tag in unix, "devices": devices,
            "writes": writes, "reads": reads, "kallsyms_nonzero": sum(1 for a in ksyms if int(a, 16) != 0),
            "sys_class_net": net_sys}


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "hold":
        tag, port, seconds = args[0], int(args[1]), float(args[2])
        out, keep = create_all(tag, port)
        print(json.dumps(out), flush=True)
        with open("/workspace/.ready", "w") as f:
            f.write("1")
        time.sleep(seconds)
        remove_all(tag)
    elif mode == "probe":
        print(json.dumps(seen(args[0], int(args[1]))))
    elif mode == "families":
        print(json.dumps(families(int(args[0]), args[1])))
    elif mode == "views":
        print(json.dumps(views(int(args[0]), args[1])))


if __name__ == "__main__":
    main()
