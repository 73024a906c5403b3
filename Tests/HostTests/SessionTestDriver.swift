import DriverProtocol
import Foundation
import Host
import Synchronization

/// In-memory DriverClient double. Behaviour by code/command:
/// - execute `print:<text>` → stdout <text>; with stream:true also two `output` events first.
/// - execute `exit:<n>` → exit code n; `sleep` → runs until cancelled (then a cancelled run result).
/// - execute `crash` → DriverCallError.crashed; `block` → waits until `release()` is called.
/// - shell echoes its args to stdout.
/// `forgetSessions()` simulates a restart: known handles are lost and execute answers -32000.
final class SessionTestDriver: DriverClient {
    struct Call: Sendable { var method: String; var params: JSONValue }
    struct State {
        var calls: [Call] = []
        var handles: Set<String> = []
        var nextHandle = 0
        var ready = true
        var blocked: [CheckedContinuation<Void, Never>] = []
    }

    let name: String
    let caps: DriverCapabilities
    let state = Mutex(State())

    init(name: String = "python", capabilities: DriverCapabilities = SessionTestDriver.pythonCaps) {
        self.name = name; self.caps = capabilities
    }

    static let pythonCaps = DriverCapabilities(
        languages: [.init(name: "python", aliases: ["python3", "py"])], runtimeType: "Python",
        isolationLevel: 6, startupMs: 100, memoryMB: 50, packageManagers: ["pip"], stateful: true)

    var capabilities: DriverCapabilities? { caps }
    var isReady: Bool { state.withLock { $0.ready } }
    var calls: [Call] { state.withLock { $0.calls } }
    func calls(_ method: String) -> [Call] { calls.filter { $0.method == method } }
    var liveHandles: Set<String> { state.withLock { $0.handles } }
    func setReady(_ r: Bool) { state.withLock { $0.ready = r } }
    func forgetSessions() { state.withLock { $0.handles.removeAll() } }
    var blockedCount: Int { state.withLock { $0.blocked.count } }
    func release() {
        let waiting = state.withLock { s in
            defer { s.blocked = [] }; return s.blocked
        }
        for w in waiting { w.resume() }
    }

    /// Decodes params with the driver-side types, as `DriverServer` does: a host encoding they reject is -32602.
    func call(
        _ method: String, params: JSONValue,
        onEvent: (@Sendable (String, JSONValue) -> Void)?
    ) async throws(DriverCallError) -> JSONValue {
        state.withLock { $0.calls.append(Call(method: method, params: params)) }
        guard isReady else { throw DriverCallError(.unavailable, "driver \(name) is restarting") }
        switch method {
        case SessionOpenParams.method:
            let p: SessionOpenParams = try decode(params)
            let handle = state.withLock { s -> String in
                if let h = p.handle, s.handles.contains(h) { return h }
                s.nextHandle += 1
                let h = "\(name)-h\(s.nextHandle)"
                s.handles.insert(h)
                return h
            }
            return SessionOpenReply(handle: handle, containerId: "c-" + handle).json
        case SessionCloseParams.method:
            let p: SessionCloseParams = try decode(params)
            _ = state.withLock { $0.handles.remove(p.handle ?? "") }
            return SessionCloseReply(closed: true).json
        case ExecuteParams.method:
            let p: ExecuteParams = try decode(params)
            try known(p.handle)
            return try await execute(p, onEvent)
        case ShellParams.method:
            let p: ShellParams = try decode(params)
            try known(p.handle)
            return RunResult(exitCode: 0, stdout: p.args.joined(separator: " ") + "\n", durationMs: 1).json
        case InstallParams.method:
            let p: InstallParams = try decode(params)
            try known(p.handle)
            onEvent?(
                DriverWire.Event.progress,
                ProgressEvent(request: 1, session: p.session, message: "Collecting", seq: 0).json)
            return InstallReply(
                run: RunResult(exitCode: 0, stdout: "ok", durationMs: 1),
                installed: p.packages.map { .init(name: $0, version: "1.0") }, manager: p.manager
            ).json
        default:
            throw DriverCallError(.remote(code: -32601), "unknown method \(method)")
        }
    }

    private func decode<P: DriverCallParams>(_ json: JSONValue) throws(DriverCallError) -> P {
        do throws(WireError) { return try P(json: json) } catch {
            throw DriverCallError(.remote(code: DriverWire.ErrorCode.invalidParams), error.message)
        }
    }

    private func known(_ handle: String?) throws(DriverCallError) {
        guard let h = handle, state.withLock({ $0.handles.contains(h) }) else {
            throw DriverCallError(.remote(code: -32000), "session not found")
        }
    }

    private func execute(_ p: ExecuteParams, _ onEvent: (@Sendable (String, JSONValue) -> Void)?)
        async throws(DriverCallError) -> JSONValue
    {
        let code = p.code
        if code.hasPrefix("print:") {
            let text = String(code.dropFirst(6))
            if p.stream {
                for (seq, data) in [text, "\n"].enumerated() {
                    let e = DriverEvent.output(
                        OutputEvent(request: 1, session: p.session, stream: "stdout", data: data, seq: seq))
                    onEvent?(e.method, e.params)
                }
            }
            return RunResult(exitCode: 0, stdout: text + "\n", durationMs: 2).json
        }
        if code.hasPrefix("exit:") {
            return RunResult(exitCode: Int(code.dropFirst(5)) ?? 1, stderr: "boom\n", durationMs: 2).json
        }
        if code == "crash" { throw DriverCallError(.crashed, "driver exited with signal 9") }
        if code == "block" {
            await withCheckedContinuation { c in state.withLock { $0.blocked.append(c) } }
            return RunResult(exitCode: 0, stdout: "released\n").json
        }
        if code == "sleep" {
            let deadline = Date().addingTimeInterval(5)  // never hang a test: finish uncancelled after 5 s
            while !Task.isCancelled && Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
            if !Task.isCancelled { return RunResult(exitCode: 0, stdout: "not cancelled\n").json }
            return RunResult(exitCode: nil, signal: 9, cancelled: true, reason: "cancelled").json
        }
        return RunResult(exitCode: 0, stdout: "", durationMs: 1).json
    }
}

/// Polls `condition` until it holds or `seconds` pass; for waiting on background work, not for timing.
func eventually(_ seconds: Double = 5, _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

/// A settable clock for the manager.
final class TestClock: Sendable {
    let value = Mutex<Double>(1000)
    var now: Double { value.withLock { $0 } }
    func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
}
