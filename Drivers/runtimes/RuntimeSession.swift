import DriverKit
import DriverProtocol
import Synchronization

/// One session: its sandbox, its build directory, its compile cache, and the gate that runs its executions
/// one at a time in arrival order.
final class RuntimeSession: Sendable {
    let language: String
    let sandbox: RuntimeSandbox
    let build: BuildDirectory
    let gate = AsyncGate()
    let cache = Mutex(CompileCache())

    init(language: String, sandbox: RuntimeSandbox, build: BuildDirectory) {
        self.language = language; self.sandbox = sandbox; self.build = build
    }

    func close() {
        sandbox.close()
        build.remove()
    }
}
