import CSystem
import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem
import Synchronization

extension DriverProcess {
    /// Grace between stdout EOF and SIGKILL: a driver whose protocol channel is gone is dead to the host.
    static let eofKillGrace = 0.5

    /// `spawned` gets 0 once the child runs (or the spawn's errno) before the loop starts, exactly once.
    func threadMain(spawned: (Int32) -> Void) {
        guard let (inFD, outFD, errFD) = spawnChild() else {
            let e = state.withLock { s -> Int32 in
                s.wakeClosed = true; close(wakeFD); return s.spawnResult ?? EIO
            }
            spawned(e)
            return
        }
        let pidFD = cs_pidfd_open(pid)
        spawned(0)

        var stdinFD = inFD, stdoutFD = outFD, stderrFD = errFD
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        var stderrLog = StderrForwarder(logger: logger, now: DriverClock.now())
        var chunk: [UInt8] = [], chunkOff = 0
        var backlog: [[UInt8]] = []  // lines taken from the queue, written one by one (no copying into one buffer)
        var killAt: Double?
        var buf = [UInt8](repeating: 0, count: 64 * 1024)

        func closeStdin() {
            if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
            chunk = []; chunkOff = 0; backlog = []
            state.withLock { s in
                s.stdinClosed = true; s.queue.removeAll(); s.queuedBytes = 0
            }
        }
        /// Reads once; returns false at EOF or on a hard error.
        func readOnce(_ fd: Int32, into handle: (ArraySlice<UInt8>) -> Void) -> Bool {
            switch try? Syscall.io("read", { buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }) {
            case .processed(let n)?: if n > 0 { handle(buf[0..<n]); return true } else { return false }
            case .wouldBlock?: return true
            case nil: return false
            }
        }
        let deliver: (ArraySlice<UInt8>) -> Void = { bytes in for item in framer.feed(bytes) { self.onLine(item) } }
        let logErr: (ArraySlice<UInt8>) -> Void = { bytes in stderrLog.feed(bytes, now: DriverClock.now()) }

        while true {
            if chunkOff >= chunk.count {
                chunk = []; chunkOff = 0
                let wantClose = state.withLock { s -> Bool in
                    if backlog.isEmpty { swap(&backlog, &s.queue); s.queuedBytes = 0; backlog.reverse() }
                    return s.closeStdin
                }
                if let next = backlog.popLast() { chunk = next }
                if chunk.isEmpty && wantClose && stdinFD >= 0 { closeStdin() }
            }
            var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let outIx = stdoutFD >= 0 ? append(&fds, stdoutFD, POLLIN) : -1
            let errIx = stderrFD >= 0 ? append(&fds, stderrFD, POLLIN) : -1
            let inIx = stdinFD >= 0 && !chunk.isEmpty ? append(&fds, stdinFD, POLLOUT) : -1
            let pidIx = pidFD >= 0 ? append(&fds, pidFD, POLLIN) : -1
            let timeout: Int32 = (pidFD < 0 || killAt != nil) ? 100 : -1
            let n = Syscall.retrying { poll(&fds, nfds_t(fds.count), timeout) }
            if n < 0 { logger.error("poll failed: \(String(cString: strerror(errno)))") }
            if n > 0 {
                if fds[0].revents != 0 { _ = cs_eventfd_drain(wakeFD) }
                if outIx >= 0, fds[outIx].revents != 0, !readOnce(stdoutFD, into: deliver) {
                    close(stdoutFD); stdoutFD = -1
                    killAt = DriverClock.now() + Self.eofKillGrace
                }
                if errIx >= 0, fds[errIx].revents != 0, !readOnce(stderrFD, into: logErr) {
                    close(stderrFD); stderrFD = -1
                }
                if inIx >= 0, fds[inIx].revents != 0 {
                    switch try? chunk.withUnsafeBytes({ p in
                        try FD.writeSome(stdinFD, UnsafeRawBufferPointer(rebasing: p[chunkOff...]))
                    }) {
                    case .processed(let w)? where w > 0: chunkOff += w
                    case .wouldBlock?: break
                    default: closeStdin()
                    }
                }
            }
            let exitReady = pidIx >= 0 ? (n > 0 && fds[pidIx].revents != 0) : true
            if exitReady && reapIfExited() { break }
            if let k = killAt, DriverClock.now() >= k { signal(SIGKILL); killAt = nil }
        }

        // The child is gone; whatever is still buffered in the pipes is read without blocking (a grandchild
        // holding the write end must not keep us here), then everything is closed.
        for fd in [stdoutFD, stderrFD] where fd >= 0 {
            var budget = 64
            while budget > 0 {
                budget -= 1
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&p, 1, 0) > 0, readOnce(fd, into: fd == stdoutFD ? deliver : logErr) else { break }
            }
        }
        let tail = framer.pending
        if !tail.isEmpty { onLine(.line(tail)) }
        stderrLog.finish(now: DriverClock.now())
        for fd in [stdinFD, stdoutFD, stderrFD, pidFD] where fd >= 0 { close(fd) }
        let exit = state.withLock { s -> DriverExit in
            s.wakeClosed = true
            close(wakeFD)
            return s.exit ?? DriverExit()
        }
        onExit(exit)
    }

    private func append(_ fds: inout [pollfd], _ fd: Int32, _ events: Int32) -> Int {
        fds.append(pollfd(fd: fd, events: Int16(events), revents: 0))
        return fds.count - 1
    }
}
