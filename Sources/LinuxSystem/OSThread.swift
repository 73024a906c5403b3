import CSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The one pthread wrapper of the tree, for blocking loops (event loop, pipe reads, waits) that must stay
/// off the Swift concurrency pool; Foundation's Thread is not used so the server does not load full
/// Foundation. Long-lived children are spawned from such threads because PR_SET_PDEATHSIG fires when the
/// *spawning thread* exits, not the process.
public final class OSThread: @unchecked Sendable {  // the pthread_t is written once, before sharing
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    private var thread = pthread_t()

    /// Starts a joinable thread running `body`.
    public init(name: String? = nil, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let rc = Self.create(&thread, name: name, body)
        if rc != 0 { throw SystemError("pthread_create", errno: rc) }
    }

    /// Waits for the thread to finish.
    public func join() { pthread_join(thread, nil) }

    /// Starts a detached thread running `body`. If no thread can be created (the process is out of
    /// resources), `body` runs inline rather than the work being lost.
    public static func start(name: String? = nil, _ body: @escaping @Sendable () -> Void) {
        var tid = pthread_t()
        let rc = create(&tid, name: name, body)
        if rc != 0 {
            FD.writeAll(2, Array("ERROR pthread_create failed: \(SystemError.text(rc)); running inline\n".utf8))
            body()
            return
        }
        pthread_detach(tid)
    }

    /// Whether the caller runs on this thread (for debug assertions of thread ownership).
    public var isCurrent: Bool { pthread_equal(thread, pthread_self()) != 0 }

    private static func create(_ tid: inout pthread_t, name: String?, _ body: @escaping @Sendable () -> Void) -> Int32 {
        let box = Unmanaged.passRetained(
            Box {
                if let name { _ = cs_set_thread_name(name) }
                body()
            }
        ).toOpaque()
        let rc = pthread_create(
            &tid, nil,
            { arg in
                Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
                return nil
            }, box)
        if rc != 0 { Unmanaged<Box>.fromOpaque(box).release() }
        return rc
    }
}
