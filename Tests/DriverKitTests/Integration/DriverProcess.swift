import CSystem
import DriverKit
import DriverProtocol
import Foundation
import Glibc

/// A real driver executable under test, spoken to over its stdin/stdout like the host does.
final class DriverProcess: @unchecked Sendable {
    let pid: pid_t
    private let stdinFd: Int32
    private let stdoutFd: Int32
    private var framer = LineFramer()
    private var queued: [DriverMessage] = []
    private(set) var events: [Int: [JSONValue]] = [:]
    private(set) var nonProtocolLines: [String] = []
    private var nextId = 1

    /// Drivers built by the same `swift build` sit beside the test bundle.
    static func path(_ name: String) -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var dir = (exe as NSString).deletingLastPathComponent
        if dir.hasSuffix(".xctest") || dir.contains(".xctest/") {
            dir = String(dir[..<dir.range(of: ".xctest")!.lowerBound])
            dir = (dir as NSString).deletingLastPathComponent
        }
        return dir + "/codebeaker-driver-\(name)"
    }

    init(_ name: String, env: [String: String] = [:]) throws {
        let inPipe = try FD.pipe(nonblockRead: false)
        let outPipe = try FD.pipe()
        var spec = ProcessSpec(executable: Self.path(name), environment: ["PATH": "/usr/bin:/bin"].merging(env) { $1 })
        spec.noNewPrivs = false
        spec.newSession = true
        pid = try Spawner.spawn(spec, stdin: inPipe.read, stdout: outPipe.write, stderr: 2)
        FD.close(inPipe.read); FD.close(outPipe.write)
        stdinFd = inPipe.write
        stdoutFd = outPipe.read
    }

    deinit {
        // EOF first, so the driver closes its sessions (cgroups, runners) the way it does in production.
        if !stdinClosed { FD.close(stdinFd) }
        if waitExit(timeoutMs: 5000) != nil { FD.close(stdoutFd); return }
        _ = kill(pid, SIGKILL)
        guard exitStatus == nil else { FD.close(stdoutFd); return }
        var a: Int32 = 0, b: Int32 = 0, c: Int32 = 0, d: Int32 = 0
        _ = cs_wait(pid, 0, &a, &b, &c, &d)
        FD.close(stdoutFd)
    }

    func sendRaw(_ line: String) { FD.writeAll(stdinFd, Array((line + "\n").utf8)) }

    @discardableResult
    func send(_ method: String, _ params: JSONValue = [:]) -> Int {
        let id = nextId
        nextId += 1
        FD.writeAll(stdinFd, DriverMessage.request(id: id, method: method, params: params).line)
        return id
    }

    func closeStdin() { FD.close(stdinFd); stdinClosed = true }
    private var stdinClosed = false
    private var exitStatus: Int?

    /// The next message, or nil on timeout/EOF. Events are recorded by request id as they pass.
    func nextMessage(timeoutMs: Int = 30_000) -> DriverMessage? {
        if !queued.isEmpty { return queued.removeFirst() }
        let deadline = MonotonicClock.nowMs() + Int64(timeoutMs)
        while true {
            let left = deadline - MonotonicClock.nowMs()
            if left <= 0 { return nil }
            var p = pollfd(fd: stdoutFd, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, Int32(left))
            guard let chunk = FD.read(stdoutFd) else { continue }
            if chunk.isEmpty { return nil }
            for item in framer.feed(chunk) {
                guard case .line(let l) = item else { continue }
                if let m = try? DriverMessage(parsing: l) {
                    queued.append(m)
                } else {
                    nonProtocolLines.append(String(decoding: l, as: UTF8.self))
                }
            }
            if !queued.isEmpty { return queued.removeFirst() }
        }
    }

    /// Waits for the response to `id`; other responses are kept for later, events recorded.
    func wait(_ id: Int, timeoutMs: Int = 30_000) -> DriverMessage? {
        var later: [DriverMessage] = []
        defer { queued.insert(contentsOf: later, at: 0) }
        while let m = nextMessage(timeoutMs: timeoutMs) {
            switch m {
            case .notification(_, let p):
                if let r = p["request"]?.int { events[r, default: []].append(p) }
            case .result(id, _), .error(.some(id), _, _, _):
                return m
            default:
                later.append(m)
            }
        }
        return nil
    }

    func call(_ method: String, _ params: JSONValue = [:], timeoutMs: Int = 30_000) -> DriverMessage? {
        wait(send(method, params), timeoutMs: timeoutMs)
    }

    /// `call` returning the result object (nil on error).
    func result(_ method: String, _ params: JSONValue = [:], timeoutMs: Int = 30_000) -> JSONValue? {
        if case .result(_, let r)? = call(method, params, timeoutMs: timeoutMs) { return r }
        return nil
    }

    func handshake() -> JSONValue? { result("handshake", ["protocolVersions": [1]]) }

    /// Waits for the driver to exit; its exit code, or nil if still running after the timeout.
    func waitExit(timeoutMs: Int) -> Int? {
        if let exitStatus { return exitStatus }
        let deadline = MonotonicClock.nowMs() + Int64(timeoutMs)
        while MonotonicClock.nowMs() < deadline {
            var a: Int32 = 0, code: Int32 = 0, c: Int32 = 0, d: Int32 = 0
            if cs_wait(pid, 1, &a, &code, &c, &d) > 0 {
                exitStatus = a != 0 ? Int(code) : -Int(d)
                return exitStatus
            }
            usleep(10_000)
        }
        return nil
    }
}
