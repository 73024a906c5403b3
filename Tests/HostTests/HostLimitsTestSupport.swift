import Foundation
import Synchronization

@testable import Host

/// Storage whose `provision` waits until the test opens the gate, so many `session.create` calls are in
/// flight at once (the window in which the old per-principal check had already let its slot go).
final class GatedStorage: WorkspaceStorage {
    let waiting = Mutex<[CheckedContinuation<Void, Never>]>([])
    let open = Mutex(false)
    var quotaMB: Int? { nil }

    func provision(_ ws: Workspace, quotaMB: Int?) async throws(WorkspaceError) {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let queued = waiting.withLock { w -> Bool in
                guard !open.withLock({ $0 }) else { return false }
                w.append(c)
                return true
            }
            if !queued { c.resume() }
        }
        try await DirectoryStorage().provision(ws, quotaMB: quotaMB)
    }

    func release(_ ws: Workspace) async throws(WorkspaceError) { try ws.removeAll() }
    var waitingCount: Int { waiting.withLock { $0.count } }
    func openGate() {
        let all = waiting.withLock { w in
            open.withLock { $0 = true }; defer { w = [] }; return w
        }
        for c in all { c.resume() }
    }
}

/// A lock-protected value tasks can share (a local Mutex cannot be captured by a sending closure).
final class Shared<T: Sendable>: Sendable {
    let m: Mutex<T>
    init(_ v: T) { m = Mutex(v) }
    func withLock<R: Sendable>(_ body: (inout sending T) -> sending R) -> R { m.withLock(body) }
}
