import Synchronization
import Testing

@testable import DriverKit

@Suite struct InstallLocksTests {
    final class Log: Sendable {
        let lines = Mutex<[String]>([]); func add(_ s: String) { lines.withLock { $0.append(s) } }
    }

    @Test func installsOfOneSessionNeverOverlap_AndTheGateIsReleasedAfterwards() async throws {
        let log = Log()
        let (release, releaseCont) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await InstallLocks.serialized("locks-s1") { () throws(DriverError) in
                log.add("first-start")
                for await _ in release { break }
                log.add("first-end")
            }
        }
        while !log.lines.withLock({ $0.contains("first-start") }) { await Task.yield() }
        let second = Task {
            try await InstallLocks.serialized("locks-s1") { () throws(DriverError) in log.add("second") }
        }
        while InstallLocks.users("locks-s1") < 2 { await Task.yield() }
        // Another session is not blocked by this one.
        try await InstallLocks.serialized("locks-s2") { () throws(DriverError) in log.add("other-session") }
        #expect(log.lines.withLock { $0 } == ["first-start", "other-session"])
        releaseCont.yield()
        try await first.value
        try await second.value
        #expect(log.lines.withLock { $0 } == ["first-start", "other-session", "first-end", "second"])
        #expect(InstallLocks.users("locks-s1") == 0 && InstallLocks.users("locks-s2") == 0)
    }
}
