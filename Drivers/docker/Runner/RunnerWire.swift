/// The framing spoken with cb-runner, the session container's pid 1 (scripts/images/cb-runner.c).
/// Frames in both directions: `[u8 type][u32 id BE][u32 len BE][len bytes]`.
enum RunnerWire {
    static let headerSize = 9
    static let maxFrame = 64 << 20

    /// One run: everything cb-runner needs to fork it.
    struct Run: Sendable, Equatable {
        var uid: UInt32
        var gid: UInt32
        var timeoutMs: UInt32
        var maxOutput: UInt32
        var cwd: String
        /// Written by the child (as uid) before exec when non-empty, e.g. the code of an `execute`.
        var filePath: String = ""
        var fileContent: [UInt8] = []
        var stdin: [UInt8] = []
        var argv: [String]
        var env: [String] = []
    }

    /// `viaForkServer`: an 'F' request, forked by the fork server listening on `argv[0]` (see cb-runner.c).
    static func encodeRun(id: UInt32, _ r: Run, viaForkServer: Bool = false) -> [UInt8] {
        var p: [UInt8] = []
        p.reserveCapacity(64 + r.fileContent.count + r.stdin.count)
        put32(&p, r.uid); put32(&p, r.gid); put32(&p, r.timeoutMs); put32(&p, r.maxOutput)
        putString(&p, Array(r.cwd.utf8)); putString(&p, Array(r.filePath.utf8))
        putString(&p, r.fileContent); putString(&p, r.stdin)
        put32(&p, UInt32(r.argv.count)); for a in r.argv { putString(&p, Array(a.utf8)) }
        put32(&p, UInt32(r.env.count)); for e in r.env { putString(&p, Array(e.utf8)) }
        return frame(type: UInt8(ascii: viaForkServer ? "F" : "R"), id: id, payload: p)
    }

    static func encodeKill(id: UInt32) -> [UInt8] { frame(type: UInt8(ascii: "K"), id: id, payload: []) }
    static func encodePing(id: UInt32) -> [UInt8] { frame(type: UInt8(ascii: "P"), id: id, payload: []) }

    static func frame(type: UInt8, id: UInt32, payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [type]
        out.reserveCapacity(headerSize + payload.count)
        put32(&out, id); put32(&out, UInt32(payload.count))
        out.append(contentsOf: payload)
        return out
    }

    private static func put32(_ out: inout [UInt8], _ v: UInt32) {
        out.append(UInt8(v >> 24)); out.append(UInt8((v >> 16) & 0xFF)); out.append(UInt8((v >> 8) & 0xFF));
        out.append(UInt8(v & 0xFF))
    }

    private static func putString(_ out: inout [UInt8], _ s: [UInt8]) {
        put32(&out, UInt32(s.count)); out.append(contentsOf: s)
    }

    /// What cb-runner reports.
    enum Event: Sendable, Equatable {
        case stdout([UInt8])
        case stderr([UInt8])
        case exit(Exit)
        case pong
    }

    struct Exit: Sendable, Equatable {
        var exitCode: Int?
        var signal: Int?
        var timedOut: Bool
        var cancelled: Bool
        var stdoutTruncated: Bool
        var stderrTruncated: Bool
        /// The container's memory cgroup killed a process during the run (older runners: always false).
        var oomKilled: Bool = false
        /// An 'F' run found no fork server (it never started or died): nothing ran; retry with 'R'.
        var forkServerUnavailable: Bool = false
    }

    enum Failure: Error, Equatable {
        case frameTooLarge(Int)
        case unknownType(UInt8)
        case badExitPayload
    }

    /// Incremental decoder for the runner's output frames.
    struct Decoder: Sendable {
        private var buffer: [UInt8] = []

        mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> [(UInt32, Event)] {
            buffer.append(contentsOf: bytes)
            var out: [(UInt32, Event)] = []
            var off = 0
            while buffer.count - off >= headerSize {
                let len = Int(get32(buffer, off + 5))
                guard len <= maxFrame else { throw .frameTooLarge(len) }
                guard buffer.count - off >= headerSize + len else { break }
                let id = get32(buffer, off + 1)
                let payload = Array(buffer[(off + headerSize)..<(off + headerSize + len)])
                switch buffer[off] {
                case UInt8(ascii: "O"): out.append((id, .stdout(payload)))
                case UInt8(ascii: "E"): out.append((id, .stderr(payload)))
                case UInt8(ascii: "P"): out.append((id, .pong))
                case UInt8(ascii: "X"):
                    guard (12...14).contains(payload.count) else { throw .badExitPayload }
                    let code = Int32(bitPattern: get32(payload, 0)), sig = Int32(bitPattern: get32(payload, 4))
                    out.append(
                        (
                            id,
                            .exit(
                                Exit(
                                    exitCode: code >= 0 ? Int(code) : nil, signal: sig > 0 ? Int(sig) : nil,
                                    timedOut: payload[8] != 0, cancelled: payload[9] != 0,
                                    stdoutTruncated: payload[10] != 0, stderrTruncated: payload[11] != 0,
                                    oomKilled: payload.count > 12 && payload[12] != 0,
                                    forkServerUnavailable: payload.count > 13 && payload[13] != 0))
                        ))
                case let t: throw .unknownType(t)
                }
                off += headerSize + len
            }
            if off > 0 { buffer.removeFirst(off) }
            return out
        }

        mutating func feed(_ bytes: [UInt8]) throws(Failure) -> [(UInt32, Event)] {
            let r: Result<[(UInt32, Event)], Failure> = bytes.withUnsafeBytes { b in
                Result { () throws(Failure) in try feed(b) }
            }
            return try r.get()
        }

        private func get32(_ b: [UInt8], _ i: Int) -> UInt32 {
            UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }
    }
}
