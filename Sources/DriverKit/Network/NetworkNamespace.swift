import CSystem
import Glibc
import Synchronization

/// A network namespace the driver (root) made and holds by descriptor. Sandboxes join it when they are
/// spawned (`ProcessSpec.netnsFD`), so every process of a session shares one namespace that the
/// sandboxed code cannot reconfigure: it belongs to the host's user namespace, where the code has no
/// capabilities. The namespace goes away when the last process in it exits and `close()` has been called.
public final class NetworkNamespace: Sendable {
    private let handle: Mutex<Int32>

    public static func create() throws(DriverError) -> NetworkNamespace {
        let fd = cs_netns_create()
        guard fd >= 0 else {
            throw .unavailable(
                "cannot create a network namespace: \(String(cString: strerror(-fd))) (the driver must run as root)")
        }
        return NetworkNamespace(fd: fd)
    }

    /// An existing namespace, e.g. a container's `/proc/<pid>/ns/net`.
    public static func open(path: String) throws(DriverError) -> NetworkNamespace {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .unavailable("cannot open the network namespace \(path): \(String(cString: strerror(errno)))")
        }
        return NetworkNamespace(fd: fd)
    }

    init(fd: Int32) { handle = Mutex(fd) }

    /// The descriptor, or -1 once closed.
    public var fd: Int32 { handle.withLock { $0 } }

    /// Makes `cidr` unreachable from inside (connect fails with EACCES "Permission denied").
    public func prohibit(_ cidr: CIDR) throws(DriverError) {
        let rc = cidr.address.withUnsafeBufferPointer {
            cs_netns_prohibit(fd, cidr.family, $0.baseAddress, Int32(cidr.prefix))
        }
        guard rc == 0 else {
            throw .internal(
                "cannot block \(cidr) in the session's network namespace: \(String(cString: strerror(-rc)))")
        }
    }

    /// A listening TCP socket on 127.0.0.1 inside the namespace (served from outside it).
    public func listenOnLoopback() throws(DriverError) -> (fd: Int32, port: Int) {
        var port: Int32 = 0
        let s = cs_netns_tcp_listen(fd, 0, &port)
        guard s >= 0 else {
            throw .internal("cannot listen inside a network namespace: \(String(cString: strerror(-s)))")
        }
        return (s, Int(port))
    }

    public func close() {
        let fd = handle.withLock { fd -> Int32 in
            defer { fd = -1 }; return fd
        }
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    deinit { close() }
}
