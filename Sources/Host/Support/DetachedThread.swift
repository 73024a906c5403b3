import Glibc

/// Starts a detached pthread running `body`. Host code uses plain pthreads so the
/// server does not load full Foundation (its Thread lives there) — that keeps idle memory low.
enum DetachedThread {
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }

    static func start(name: String, _ body: @escaping () -> Void) {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            // Thread creation failing means the process is out of resources; run inline rather than lose the work.
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
            return
        }
        pthread_detach(thread)
    }
}

/// Writes straight to a file descriptor (stdout/stderr) without Foundation's FileHandle.
enum StandardIO {
    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { p in
            var off = 0
            while off < p.count {
                let n = Glibc.write(fd, p.baseAddress! + off, p.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                off += n
            }
        }
    }
    static func out(_ text: String) { write(text, to: 1) }
    static func err(_ text: String) { write(text, to: 2) }
}

extension String {
    /// Left-aligned in a column of `width` characters (Foundation's `padding(toLength:)` without Foundation).
    func padded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
