import DriverProtocol
import Glibc
import LinuxSystem
import Synchronization

/// MCP over stdio: one JSON-RPC message per line on stdin, replies and notifications one per line on stdout
/// (logs go to stderr). Each request runs in its own Task, so a cancel or ping is read while a run is going.
final class MCPStdio: Sendable {
    private let server: MCPServer
    private let maxLineBytes: Int
    private let output = Mutex(())
    private let inputFD: Int32
    private let outputFD: Int32

    init(server: MCPServer, maxLineBytes: Int, inputFD: Int32 = 0, outputFD: Int32 = 1) {
        self.server = server; self.maxLineBytes = maxLineBytes; self.inputFD = inputFD; self.outputFD = outputFD
    }

    /// One message, one line; a message never contains a raw newline (JSON escapes it).
    func send(_ message: JSONValue) {
        var bytes = JSONWriter.bytes(message)
        bytes.append(0x0A)
        output.withLock { _ in _ = FD.writeAll(outputFD, bytes) }
    }

    /// Reads stdin on a thread of its own until EOF, then calls `onEOF` once.
    func start(onEOF: @escaping @Sendable () -> Void) {
        OSThread.start(name: "mcp-stdin") { [self] in
            var framer = LineFramer(maxLineBytes: maxLineBytes)
            while true {
                guard let chunk = FD.read(inputFD) else {
                    // A non-blocking stdin (some hosts pass one): wait until it is readable.
                    var p = pollfd(fd: inputFD, events: Int16(POLLIN), revents: 0)
                    _ = poll(&p, 1, -1)
                    continue
                }
                if chunk.isEmpty { break }
                for item in framer.feed(chunk) { dispatch(item) }
            }
            onEOF()
        }
    }

    private func dispatch(_ item: LineFramer.Item) {
        switch item {
        case .line(let bytes):
            let text = String(decoding: bytes, as: UTF8.self)
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) { return }
            let server = self.server
            Task { await server.receive(text) { self.send($0) } }
        case .tooLong(let n):
            send(
                MCPMessage.error(
                    id: .null, code: MCPMessage.Code.invalidRequest,
                    "Invalid Request: message of \(n) bytes is larger than the limit of \(maxLineBytes)"))
        }
    }
}
