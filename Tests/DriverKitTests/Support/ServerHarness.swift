import DriverKit
import DriverProtocol
import Synchronization

/// Drives a `DriverServer` in memory: feed lines, await the messages it writes. The message stream
/// finishes when the server calls its exit hook.
final class ServerHarness: Sendable {
    let server: DriverServer
    let messages: AsyncStream<DriverMessage>

    init(runtime: any DriverRuntime, maxLineBytes: Int = 1 << 20) {
        let (stream, cont) = AsyncStream<DriverMessage>.makeStream()
        messages = stream
        let writer = MessageWriter { line in
            // Every write must be exactly one newline-terminated line.
            precondition(line.last == 0x0A && line.dropLast().firstIndex(of: 0x0A) == nil)
            cont.yield(try! DriverMessage(parsing: Array(line.dropLast())))
            return true
        }
        let flag = Flag()
        server = DriverServer(runtime: runtime, writer: writer, maxLineBytes: maxLineBytes) { code in
            flag.set(code == 0)
            cont.finish()
        }
        exitFlag = flag
    }

    let exitFlag: Flag
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
        func set(_ v: Bool) { value.store(v, ordering: .sequentiallyConsistent) }
        var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    }

    func send(_ line: String) { server.feed(Array((line + "\n").utf8)) }

    func request(_ id: Int, _ method: String, _ params: JSONValue = [:]) {
        server.feed(DriverMessage.request(id: id, method: method, params: params).line)
    }

    /// The next `n` messages, fewer if the stream ends first.
    func next(_ n: Int = 1) async -> [DriverMessage] {
        var out: [DriverMessage] = []
        guard n > 0 else { return out }
        for await m in messages {
            out.append(m)
            if out.count == n { break }
        }
        return out
    }
}
