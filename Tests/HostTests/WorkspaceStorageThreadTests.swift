import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing

@testable import Host

/// Creating and deleting a session's workspace are blocking file work: they run on the file threads, not on a
/// thread of the Swift concurrency pool (deleting a large workspace takes seconds).
@Suite struct WorkspaceStorageThreadTests {
    @Test func directoryStorage_CreatesAndDeletesOnTheFileThreads() async throws {
        let pool = FileWorkPool(threads: 1, capacity: 4)
        let storage = DirectoryStorage(files: pool)
        let root = "/tmp/cb-storage-tests/\(UUID().uuidString)"
        let ws = Workspace(root: root + "/s1")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await storage.provision(ws, quotaMB: nil)
        #expect(access(ws.root, F_OK) == 0)
        #expect(FileManager.default.createFile(atPath: ws.root + "/a.txt", contents: Data("x".utf8)))

        // Occupy the only file thread: the delete must queue behind it instead of running on the caller's thread.
        let gate = Gate()
        #expect(pool.submit { gate.wait() })
        let release = Task { try await storage.release(ws) }
        // queued on the pool (before: deleted at once, inFlight stayed 1)
        #expect(await eventually { pool.inFlight == 2 })
        #expect(access(ws.root, F_OK) == 0)  // and so not done yet
        gate.open()
        try await release.value
        #expect(access(ws.root, F_OK) != 0)
        #expect(await eventually { pool.inFlight == 0 })
    }

    @Test func runAlways_QueuesEvenWhenThePoolIsFull() async {
        let pool = FileWorkPool(threads: 1, capacity: 1)
        let gate = Gate()
        #expect(pool.submit { gate.wait() })
        #expect(await pool.run { 1 } == nil)  // a file command is refused: the pool is full
        let forced = Task { await pool.runAlways { 2 } }
        #expect(await eventually { pool.inFlight == 2 })
        gate.open()
        #expect(await forced.value == 2)
    }
}

/// A one-shot gate a pool thread can block on (the test's stand-in for a slow file command).
final class Gate: Sendable {
    private let sem = DispatchSemaphore(value: 0)
    func wait() { sem.wait(); sem.signal() }
    func open() { sem.signal() }
}
