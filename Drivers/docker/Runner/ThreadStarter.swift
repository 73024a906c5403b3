#if canImport(Glibc)
import Glibc
#endif

/// A detached pthread for blocking socket reads, kept off the Swift concurrency pool.
enum ThreadStarter {
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }

    static func start(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            log("pthread_create failed (\(rc))")
            return
        }
        pthread_detach(tid)
    }

    /// A log line on stderr (stdout carries protocol messages only).
    static func log(_ message: String) {
        var line = Array("docker-driver: \(message)".utf8)
        if line.last != 0x0A { line.append(0x0A) }
        var off = 0
        while off < line.count {
            let n = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }
}
