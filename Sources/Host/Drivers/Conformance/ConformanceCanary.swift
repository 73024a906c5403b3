import Glibc
import LinuxSystem

/// Host secrets a sandboxed program must not see: an environment variable the kit starts the driver with, a
/// world-readable file outside the workspace, and a TCP listener on the host's loopback.
final class ConformanceCanary: Sendable {
    static let envName = "CODEBEAKER_KIT_CANARY"
    let envValue: String
    let fileValue: String
    /// A fresh directory, e.g. /tmp/cbkit-AbC123, holding `canary` (0644); nil if it could not be made.
    let directory: String?
    var file: String { (directory ?? "/nonexistent") + "/canary" }

    init() {
        envValue = "cbkit-env-\(Int.random(in: 100_000_000...999_999_999))"
        fileValue = "cbkit-file-\(Int.random(in: 100_000_000...999_999_999))"
        var template = Array("/tmp/cbkit-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else {
            directory = nil
            return
        }
        let dir = String(cString: p)
        _ = chmod(dir, 0o755)
        let fd = open(dir + "/canary", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let bytes = Array((fileValue + "\n").utf8)
        let written = fd >= 0 && bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count
        if fd >= 0 { close(fd) }
        _ = chmod(dir + "/canary", 0o644)
        directory = written ? dir : nil
    }

    func remove() {
        guard let directory else { return }
        _ = unlink(directory + "/canary")
        _ = rmdir(directory)
    }
}

/// A TCP listener on 127.0.0.1 (an ephemeral port) that counts the connections that reached it.
final class ConformanceListener: Sendable {
    let fd: Int32
    let port: Int

    init?() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard bound else {
            close(fd)
            return nil
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    /// How many connections are waiting to be accepted (each is accepted and closed).
    func acceptAll() -> Int {
        var n = 0
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return n }
            close(c)
            n += 1
        }
    }

    deinit { close(fd) }
}
