import Glibc

/// A plain pthread for the event loop (Foundation's Thread is not needed, and join is).
final class LoopThread {
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    private var thread = pthread_t()

    init(_ body: @escaping () -> Void) throws {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw ServerError.system("pthread_create", rc)
        }
    }

    func join() { pthread_join(thread, nil) }
}

public struct ServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    static func system(_ call: String, _ code: Int32) -> ServerError {
        ServerError(description: "\(call) failed: \(String(cString: strerror(code))) (errno \(code))")
    }
}
