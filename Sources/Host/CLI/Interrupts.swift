import Dispatch
import Glibc
import Synchronization

/// Ctrl-C for the command line: the first SIGINT calls the current handler (cancel the running program);
/// a second one while that cancel is under way exits at once with 130. SIGTERM exits at once too.
final class Interrupts: @unchecked Sendable {  // `sources` is written once, in install
    static let shared = Interrupts()
    private var sources: [any DispatchSourceSignal] = []
    private let handler = Mutex<(@Sendable () -> Void)?>(nil)
    private let pending = Mutex(false)

    func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { [self] in self.fire(sig) }
            src.resume()
            sources.append(src)
        }
    }

    /// Runs `body` with `onInterrupt` as the Ctrl-C action.
    func during<T, E: Error>(_ onInterrupt: @escaping @Sendable () -> Void, _ body: () async throws(E) -> T)
        async throws(E) -> T
    {
        handler.withLock { $0 = onInterrupt }
        pending.withLock { $0 = false }
        defer { handler.withLock { $0 = nil } }
        return try await body()
    }

    /// Sets the action for Ctrl-C outside `during` (the repl's prompt); nil exits with 130.
    func setIdle(_ action: (@Sendable () -> Void)?) { idle.withLock { $0 = action } }
    private let idle = Mutex<(@Sendable () -> Void)?>(nil)

    private func fire(_ sig: Int32) {
        if sig == SIGTERM { _exit(128 + SIGTERM) }
        if let h = handler.withLock({ $0 }) {
            if pending.withLock({
                let was = $0; $0 = true; return was
            }) {
                _exit(130)
            }
            h()
        } else if let i = idle.withLock({ $0 }) {
            i()
        } else {
            _exit(130)
        }
    }
}
