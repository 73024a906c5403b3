import FoundationEssentials
import Testing

@testable import codebeaker_driver_docker

/// The driver's side of the golden cb-runner wire vectors (Tests/Fixtures/cb-runner-wire/vectors.txt): it must
/// encode exactly the bytes cb-runner decodes and decode exactly the bytes cb-runner encodes. cb-runner's side
/// is Tests/cb-runner/wire_test.c (run by scripts/lint.sh) over the same file.
@Suite struct RunnerWireVectorTests {
    static let vectors: [String: [UInt8]] = loadVectors()

    static func loadVectors() -> [String: [UInt8]] {
        let root = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
        let path = "/\(root)/Tests/Fixtures/cb-runner-wire/vectors.txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var out: [String: [UInt8]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard let name = parts.first else { continue }
            let hex = Array(parts.dropFirst().joined().utf8)
            out[String(name)] = stride(from: 0, to: hex.count - 1, by: 2).compactMap {
                UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)
            }
        }
        return out
    }

    func vector(_ name: String) -> [UInt8] {
        let v = Self.vectors[name]
        #expect(v != nil, "no vector \(name) in Tests/Fixtures/cb-runner-wire/vectors.txt")
        return v ?? []
    }

    func decodeOne(_ name: String) throws -> (UInt32, RunnerWire.Event)? {
        var d = RunnerWire.Decoder()
        let events = try d.feed(vector(name))
        #expect(events.count == 1)
        return events.first
    }

    @Test func theVectorsFileIsThere() {
        #expect(Self.vectors.count == 11)
    }

    @Test func encodesRunRequests() {
        let basic = RunnerWire.Run(
            uid: 1000, gid: 1001, timeoutMs: 500, maxOutput: 64, cwd: "/w", stdin: Array("A".utf8),
            argv: ["id"], env: ["A=1"])
        #expect(RunnerWire.encodeRun(id: 7, basic) == vector("run_basic"))
        let forked = RunnerWire.Run(
            uid: 1, gid: 2, timeoutMs: 0, maxOutput: 1 << 20, cwd: "/workspace", filePath: "/tmp/a.py",
            fileContent: Array("print('é')\n".utf8), argv: ["/tmp/s.sock", "python3", "/tmp/a.py"])
        #expect(RunnerWire.encodeRun(id: 0x0102_0304, forked, viaForkServer: true) == vector("run_fork_server"))
    }

    @Test func encodesKillAndPing() {
        #expect(RunnerWire.encodeKill(id: 9) == vector("kill"))
        #expect(RunnerWire.encodePing(id: 0xFFFF_FFFF) == vector("ping"))
    }

    @Test func decodesOutputAndPong() throws {
        #expect(try decodeOne("stdout").map { $0.0 == 3 && $0.1 == .stdout(Array("hi".utf8)) } == true)
        #expect(try decodeOne("stderr").map { $0.0 == 3 && $0.1 == .stderr(Array("x\n".utf8)) } == true)
        #expect(try decodeOne("pong").map { $0.0 == 0xFFFF_FFFF && $0.1 == .pong } == true)
    }

    @Test func decodesExits() throws {
        let expected: [(String, UInt32, RunnerWire.Exit)] = [
            (
                "exit_code", 3,
                .init(
                    exitCode: 2, signal: nil, timedOut: false, cancelled: false,
                    stdoutTruncated: true, stderrTruncated: false)
            ),
            (
                "exit_signalled", 1,
                .init(
                    exitCode: nil, signal: 9, timedOut: true, cancelled: false,
                    stdoutTruncated: false, stderrTruncated: false, oomKilled: true)
            ),
            (
                "exit_cancelled", 5,
                .init(
                    exitCode: nil, signal: 9, timedOut: false, cancelled: true,
                    stdoutTruncated: false, stderrTruncated: true)
            ),
            (
                "exit_no_fork_server", 2,
                .init(
                    exitCode: 125, signal: nil, timedOut: false, cancelled: false,
                    stdoutTruncated: false, stderrTruncated: false, forkServerUnavailable: true)
            ),
        ]
        for (name, id, exit) in expected {
            let got = try decodeOne(name)
            #expect(got?.0 == id, "\(name)")
            #expect(got?.1 == .exit(exit), "\(name)")
        }
    }

    /// Every vector fed one byte at a time decodes to the same event as when fed whole.
    @Test func decodesTheVectorsAcrossReads() throws {
        for name in ["stdout", "exit_signalled", "pong"] {
            var d = RunnerWire.Decoder()
            var events: [(UInt32, RunnerWire.Event)] = []
            for b in vector(name) { events += try d.feed([b]) }
            let whole = try decodeOne(name)
            #expect(events.count == 1 && events.first?.0 == whole?.0 && events.first?.1 == whole?.1, "\(name)")
        }
    }
}
