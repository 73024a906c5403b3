import CSystem
import Glibc
import LinuxSystem
import Synchronization

/// The host's network front door: HTTP/1.1 routes and WebSocket upgrades on one epoll event loop thread.
public final class HTTPServer: Sendable {
    private struct Running: @unchecked Sendable {
        var loop: EventLoop
        var thread: OSThread
    }

    public let options: ServerOptions
    private let delegate: any WebSocketDelegate
    private let routes: any HTTPRouteHandler
    private let logger: any ServerLogging
    private let state = Mutex<Running?>(nil)
    private let counters = ServerCounters()

    public init(
        options: ServerOptions, delegate: any WebSocketDelegate, routes: any HTTPRouteHandler, logger: any ServerLogging
    ) {
        self.options = options; self.delegate = delegate; self.routes = routes; self.logger = logger
    }

    /// Binds, listens and starts the loop thread. Returns the bound port (useful with port 0).
    public func start() throws -> Int {
        try state.withLock { running in
            guard running == nil else { throw ServerError(description: "server already started") }
            _ = cs_ignore_sigpipe()
            let limit = cs_raise_nofile_limit()
            var port: Int32 = 0
            let fd = cs_tcp_listen(options.host, Int32(options.port), Int32(options.listenBacklog), &port)
            guard fd >= 0 else { throw ServerError.system("listen on \(options.host):\(options.port)", -fd) }
            do {
                let loop = try EventLoop(
                    options: options, delegate: delegate, routes: routes, logger: logger, counters: counters,
                    listenFD: fd, boundPort: Int(port))
                let thread = try OSThread(name: "cb-event-loop") { loop.run() }
                running = Running(loop: loop, thread: thread)
            } catch {
                _ = cs_close_fd(fd)
                throw error
            }
            logger.debug("listening", ["host": options.host, "port": "\(port)", "nofile": "\(limit)"])
            return Int(port)
        }
    }

    /// Stops accepting, closes every WebSocket with 1001, waits up to `timeoutSeconds` for close handshakes
    /// and flushes, then closes whatever is left and stops the loop. Must not be called on the loop thread.
    public func shutdown(timeoutSeconds: Double = 3) {
        guard
            let running = state.withLock({ r -> Running? in
                let v = r; r = nil; return v
            })
        else { return }
        running.loop.post(.shutdown(deadline: MonotonicClock.now() + timeoutSeconds))
        running.thread.join()
    }

    public var openConnectionCount: Int { counters.open.load(ordering: .relaxed) }

    /// Transport counters since `init` (for metrics).
    public var stats: ServerStats { counters.snapshot }
}
