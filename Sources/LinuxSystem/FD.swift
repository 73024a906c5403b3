import CSystem
import Glibc

/// File descriptor helpers on top of `Syscall` (EINTR retried, would-block reported, errno captured).
public enum FD: Sendable {
    /// Writes every byte (blocking fd); returns false on a write error such as EPIPE.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { p in (try? writeFully(fd, p)) != nil }
    }

    /// Writes every byte, waiting while a non-blocking fd is full; throws the first real write error.
    public static func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        try all(fd, bytes, writeSome)
    }

    /// `writeFully` for a socket: send(2) with MSG_NOSIGNAL, so a closed peer is EPIPE, not SIGPIPE.
    public static func sendFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        try all(fd, bytes, sendSome)
    }

    /// One send(2) with MSG_NOSIGNAL.
    @inline(__always)
    public static func sendSome(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .processed(0) }
        return try Syscall.shimIO("send") { cs_send_nosignal(fd, base, bytes.count) }
    }

    /// The one write-all loop: `some` until every byte is out, waiting while the fd is full.
    private static func all(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer,
        _ some: (Int32, UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int>
    ) throws(SystemError) {
        var off = 0
        while off < bytes.count {
            switch try some(fd, UnsafeRawBufferPointer(rebasing: bytes[off...])) {
            case .processed(let n): off += n
            case .wouldBlock: waitWritable(fd)
            }
        }
    }

    /// One write(2): how many bytes went out, or `.wouldBlock` on a full non-blocking fd.
    @inline(__always)
    public static func writeSome(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .processed(0) }
        return try Syscall.io("write") { Glibc.write(fd, base, bytes.count) }
    }

    /// Reads up to `max` bytes. nil: would block; empty: EOF. Uses a scratch buffer that is not zero-filled,
    /// so a small read costs only what it returns.
    public static func read(_ fd: Int32, max: Int = 65536) -> [UInt8]? {
        withUnsafeTemporaryAllocation(byteCount: max, alignment: 8) { scratch -> [UInt8]? in
            do throws(SystemError) {
                switch try Syscall.io("read", { Glibc.read(fd, scratch.baseAddress!, max) }) {
                case .processed(let n): return Array(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                case .wouldBlock: return nil
                }
            } catch {
                return []  // treat errors as EOF
            }
        }
    }

    public static func close(_ fd: Int32) { if fd >= 0 { _ = Glibc.close(fd) } }

    /// The whole of a small file (proc and cgroup files) as text; empty if it cannot be read.
    public static func readText(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { Glibc.close(fd) }
        var out: [UInt8] = []
        while let chunk = read(fd), !chunk.isEmpty { out.append(contentsOf: chunk) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The names in directory `path`, without "." and ".." (empty if it cannot be read).
    public static func directoryNames(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) {
                String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// How many fds process `pid` has open (0 if it is gone or not ours to see).
    public static func openCount(pid: Int32) -> Int {
        guard let dir = opendir("/proc/\(pid)/fd") else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while readdir(dir) != nil { n += 1 }
        return max(0, n - 2)  // "." and ".."
    }

    public static func waitWritable(_ fd: Int32) {
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        _ = poll(&p, 1, 100)
    }

    /// A pipe whose ends are close-on-exec; `nonblockRead` makes the read end non-blocking only.
    public static func pipe(nonblockRead: Bool = true) throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try Syscall.shim("pipe2") { cs_pipe(&fds, 0) }
        if nonblockRead { _ = cs_set_nonblocking(fds[0], 1) }
        return (fds[0], fds[1])
    }
}
