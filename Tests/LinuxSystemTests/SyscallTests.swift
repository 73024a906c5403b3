import CSystem
import Glibc
import LinuxSystem
import Synchronization
import Testing

/// The one syscall wrapper, driven by injected results (no signals, no timing).
@Suite struct SyscallTests {
    /// Replays `results` (value, errno) one call at a time.
    final class Script {
        var results: [(Int, Int32)]
        var calls = 0
        init(_ results: [(Int, Int32)]) { self.results = results }
        func next() -> Int {
            let (r, e) = results[calls]
            calls += 1
            errno = e
            return r
        }
    }

    @Test func io_RetriesEINTR_UntilTheCallCompletes() throws {
        let s = Script([(-1, EINTR), (-1, EINTR), (7, 0)])
        guard case .processed(let n) = try Syscall.io("read", s.next) else { Issue.record("not processed"); return }
        #expect(n == 7)
        #expect(s.calls == 3)
    }

    @Test func io_ReportsWouldBlock_ForEAGAIN() throws {
        let s = Script([(-1, EAGAIN)])
        guard case .wouldBlock = try Syscall.io("read", s.next) else { Issue.record("expected wouldBlock"); return }
        #expect(s.calls == 1)
    }

    @Test func io_CapturesErrnoAndCallName_IntoATypedError() {
        let s = Script([(-1, EINTR), (-1, EPIPE)])
        #expect(throws: SystemError("write", errno: EPIPE)) { _ = try Syscall.io("write", s.next) }
        #expect(SystemError("write", errno: EPIPE).description == "write failed: Broken pipe (errno \(EPIPE))")
    }

    @Test func call_TreatsEAGAINAsAnError() {
        let s = Script([(-1, EAGAIN)])
        #expect(throws: SystemError("accept", errno: EAGAIN)) { _ = try Syscall.call("accept", s.next) }
    }

    @Test func shim_ReadsTheErrorFromTheResult_AndRetriesNegativeEINTR() throws {
        var results: [Int32] = [-EINTR, -EBADF]
        #expect(throws: SystemError("epoll_ctl", errno: EBADF)) {
            _ = try Syscall.shim("epoll_ctl") { results.removeFirst() }
        }
        results = [-EINTR, 3]
        #expect(try Syscall.shim("epoll_create") { results.removeFirst() } == 3)
        results = [-EAGAIN]
        guard case .wouldBlock = try Syscall.shimIO("send", { results.removeFirst() }) else {
            Issue.record("expected wouldBlock"); return
        }
    }

    @Test func writeFully_DeliversEveryByte_ThroughAFullNonBlockingPipe() throws {
        let p = try FD.pipe(nonblockRead: false)
        _ = fcntl(p.write, F_SETFL, fcntl(p.write, F_GETFL) | O_NONBLOCK)
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }  // 16x a pipe buffer
        let received = Mutex<[UInt8]>([])
        let reader = try OSThread(name: "test-reader") {
            var got: [UInt8] = []
            while let chunk = FD.read(p.read), !chunk.isEmpty { got += chunk }
            received.withLock { $0 = got }
        }
        try payload.withUnsafeBytes { b in try FD.writeFully(p.write, b) }
        FD.close(p.write)
        reader.join()
        FD.close(p.read)
        #expect(received.withLock { $0 } == payload)
    }

    @Test func sendFully_ReportsEPIPE_InsteadOfRaisingSIGPIPE() throws {
        var fds: [Int32] = [-1, -1]
        try Syscall.shim("socketpair") { cs_socketpair(&fds) }
        FD.close(fds[1])
        let bytes: [UInt8] = [1, 2, 3]
        #expect(throws: SystemError("send", errno: EPIPE)) {
            try bytes.withUnsafeBytes { b in try FD.sendFully(fds[0], b) }
        }
        FD.close(fds[0])
    }
}
