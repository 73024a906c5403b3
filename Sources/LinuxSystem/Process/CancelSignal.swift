import CSystem
import Glibc
import Synchronization

/// An eventfd another thread can fire to wake a blocking epoll loop; safe to fire after close.
public final class CancelSignal: Sendable {
    private let fdBox: Mutex<Int32>
    private let fired = Atomic<Bool>(false)

    public init() { fdBox = Mutex(cs_eventfd()) }

    public var fd: Int32 { fdBox.withLock { $0 } }
    public var isFired: Bool { fired.load(ordering: .acquiring) }

    public func fire() {
        fired.store(true, ordering: .releasing)
        fdBox.withLock { fd in if fd >= 0 { _ = cs_eventfd_signal(fd) } }
    }

    public func close() {
        fdBox.withLock { fd in
            FD.close(fd); fd = -1
        }
    }
}
