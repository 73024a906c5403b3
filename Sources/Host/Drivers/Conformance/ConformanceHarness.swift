import DriverProtocol
import Glibc
import LinuxSystem
import Synchronization

/// One driver process under test: raw lines in, every stdout line recorded and checked for being protocol.
final class ConformanceHarness: Sendable {
    struct State {
        /// Every parsed stdout message in arrival order.
        var messages: [JSONValue] = []
        /// Stdout lines that were not JSON-RPC messages.
        var violations: [String] = []
        var exit: DriverExit?
        var nextId = 1
    }

    /// Owns the recorded state, so the process callbacks can reach it before the harness exists.
    final class Recorder: Sendable {
        let state = Mutex(State())
    }

    let process: DriverProcess
    let recorder: Recorder

    init(executable: String, environment: [String: String] = [:], logger: Logger) async throws(DriverProcess.SpawnError)
    {
        let recorder = Recorder()
        self.recorder = recorder
        process = try await DriverProcess(
            path: executable, name: "conformance", environment: environment, logger: logger,
            onLine: { item in Self.record(item, into: recorder) },
            onExit: { exit in recorder.state.withLock { $0.exit = exit } })
    }

    private static func record(_ item: LineFramer.Item, into recorder: Recorder) {
        guard case .line(let bytes) = item else {
            recorder.state.withLock { $0.violations.append("an over-long line on stdout") }
            return
        }
        let shown = String(decoding: bytes.prefix(120), as: UTF8.self)
        guard let value = try? JSONParser.parse(bytes), case .object(let o) = value else {
            recorder.state.withLock { $0.violations.append("not JSON: \(shown)") }
            return
        }
        let wellFormed =
            o["jsonrpc"] == "2.0"
            && (o["method"]?.string != nil || (o["id"] != nil && (o["result"] != nil || o["error"]?.object != nil)))
        recorder.state.withLock { s in
            if wellFormed {
                s.messages.append(value)
            } else {
                s.violations.append("not a JSON-RPC 2.0 message: \(shown)")
            }
        }
    }

    var exit: DriverExit? { recorder.state.withLock { $0.exit } }

    /// Why an answer did not come: the driver died, or it was too slow.
    func noReply(within seconds: Int) -> String {
        exit.map { "the driver \($0)" } ?? "no reply within \(seconds) s"
    }
    var violations: [String] { recorder.state.withLock { $0.violations } }

    func sendRaw(_ bytes: [UInt8]) -> Bool { process.send(bytes) }

    /// Sends a request and returns its id.
    func send(_ method: String, _ params: JSONValue) -> Int {
        let id = recorder.state.withLock { s -> Int in
            defer { s.nextId += 1 }; return s.nextId
        }
        process.send(DriverMessage.request(id: id, method: method, params: params).line)
        return id
    }

    var messageCount: Int { recorder.state.withLock { $0.messages.count } }

    /// The first message at index >= `start` matching `predicate`, waiting up to `timeout` seconds.
    func wait(from start: Int = 0, timeout: Double, _ predicate: (JSONValue) -> Bool) async -> (
        index: Int, message: JSONValue
    )? {
        let deadline = DriverClock.now() + timeout
        while true {
            let found = recorder.state.withLock { s -> (Int, JSONValue)? in
                guard start < s.messages.count else { return nil }
                return s.messages[start...].firstIndex(where: predicate).map { ($0, s.messages[$0]) }
            }
            if let found { return found }
            // Every line is delivered before the exit is recorded, so a dead driver has nothing more to say.
            if DriverClock.now() >= deadline || exit != nil { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    func response(to id: Int, timeout: Double) async -> (index: Int, message: JSONValue)? {
        await wait(timeout: timeout) { $0["id"]?.int == id && $0["method"] == nil }
    }

    /// Sends a request and waits for its response.
    func call(_ method: String, _ params: JSONValue, timeout: Double) async -> JSONValue? {
        await response(to: send(method, params), timeout: timeout)?.message
    }

    /// Events (notifications) tagged with `request`, with their indices.
    func events(for request: Int) -> [(index: Int, message: JSONValue)] {
        recorder.state.withLock { s in
            s.messages.enumerated().filter {
                $0.element["method"] != nil && $0.element["params"]?["request"]?.int == request
            }
            .map { ($0.offset, $0.element) }
        }
    }

    func waitExit(timeout: Double) async -> DriverExit? {
        let deadline = DriverClock.now() + timeout
        while exit == nil && DriverClock.now() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return exit
    }

    /// Kills whatever is left and waits for the reap.
    func close() async {
        process.closeStdin()
        if await waitExit(timeout: 2) == nil {
            process.signal(SIGKILL)
            _ = await waitExit(timeout: 5)
        }
    }
}

extension JSONValue {
    /// `error.code` of a response, if it is an error.
    var rpcErrorCode: Int? { self["error"]?["code"]?.int }
}
