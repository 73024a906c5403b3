import Dispatch
import DriverKit

/// Runs blocking Engine calls side by side (one thread each) and waits for all: shutdown removes every
/// container within the host's grace period instead of one after another.
enum Parallel {
    static func forEach<T: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) -> Void) {
        guard items.count > 1 else { items.forEach(body); return }
        let group = DispatchGroup()
        for item in items {
            group.enter()
            OSThread.start {
                body(item)
                group.leave()
            }
        }
        group.wait()
    }
}
