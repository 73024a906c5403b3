import DriverKit
import DriverProtocol
import Synchronization

/// One open session: its container and what it was opened with.
final class DockerSession: Sendable {
    let id: String
    let language: DockerLanguage?
    let options: SessionOpenOptions
    let workspace: String
    /// Python sessions: the pre-started interpreter executions fork from.
    let forkServer = ForkServerState()
    /// Executions in one session run one at a time, in arrival order (docs/driver-protocol.md#execution-semantics);
    /// a run cancelled while it waits here ends without running.
    let queue = AsyncGate()
    private let current: Mutex<LiveContainer>

    init(
        id: String, language: DockerLanguage?, options: SessionOpenOptions, workspace: String, container: LiveContainer
    ) {
        self.id = id; self.language = language; self.options = options; self.workspace = workspace
        current = Mutex(container)
    }

    var container: LiveContainer { current.withLock { $0 } }

    func replaceChannel(_ c: LiveContainer) { current.withLock { $0 = c } }
}
