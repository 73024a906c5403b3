import Glibc

/// A detached pthread for blocking loops (pipe reads, waits) that must stay off the Swift concurrency pool.
/// Long-lived children are spawned from such threads because PR_SET_PDEATHSIG fires when the *spawning
/// thread* exits, not the process.
public enum OSThread {
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }

    public static func start(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            DriverLog.error("pthread_create failed: \(rc)")
            body()
            return
        }
        pthread_detach(tid)
    }
}
