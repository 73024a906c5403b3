import DriverKit
import DriverProtocol
import Synchronization

/// An in-memory runtime: `execute` echoes the code as stdout (streamed in two chunks); code "block" waits
/// until cancelled.
final class FakeRuntime: DriverRuntime {
    let name = "fake"
    let version = "9.9.9"
    private let shutdownFlag = Atomic<Bool>(false)
    var shutdownCalled: Bool { shutdownFlag.load(ordering: .sequentiallyConsistent) }
    let opened = Mutex<[String]>([])
    /// Every decoded request, as the runtime received it.
    let openRequests = Mutex<[SessionOpenParams]>([])
    let executeRequests = Mutex<[ExecuteRequest]>([])

    func capabilities() -> DriverCapabilities {
        DriverCapabilities(
            languages: [.init(name: "fake", aliases: ["fk"], extensions: [".fk"])],
            runtimeType: "Fake", isolationLevel: 0, startupMs: 1, memoryMB: 1)
    }

    func openSession(_ r: SessionOpenParams) async throws -> SessionOpenReply {
        opened.withLock { $0.append(r.session) }
        openRequests.withLock { $0.append(r) }
        return SessionOpenReply(handle: "h-\(r.session)")
    }

    func closeSession(_ r: SessionCloseParams) async {}

    func execute(_ r: ExecuteRequest, events: EventSink) async throws -> RunResult {
        executeRequests.withLock { $0.append(r) }
        if r.code == "block" {
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            return RunResult(exitCode: nil, cancelled: true, reason: "cancelled")
        }
        let half = r.code.index(r.code.startIndex, offsetBy: r.code.count / 2)
        events.output(.stdout, String(r.code[..<half]))
        events.output(.stdout, String(r.code[half...]))
        return RunResult(exitCode: 0, stdout: r.code)
    }

    func shell(_ r: ShellRequest, events: EventSink) async throws -> RunResult {
        throw DriverError.unsupported("no shell")
    }

    func shutdown() async { shutdownFlag.store(true, ordering: .sequentiallyConsistent) }
}
