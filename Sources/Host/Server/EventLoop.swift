import CSystem
import Glibc
import Synchronization

/// One thread running epoll over the listener, an eventfd and every connection. Other threads talk to it
/// only through `post`, a mutex-guarded queue that wakes it via the eventfd. Everything else in this class
/// (connections, buffers) is touched on the loop thread alone, hence `@unchecked Sendable`.
final class EventLoop: @unchecked Sendable {
    static let listenerToken: UInt64 = 0
    static let wakeToken: UInt64 = 1

    let options: ServerOptions
    let delegate: any WebSocketDelegate
    let routes: any HTTPRouteHandler
    let logger: Logger
    let epollFD: Int32
    let wakeFD: Int32
    let listenFD: Int32
    let openCount = Atomic<Int>(0)

    private let jobs = Mutex<[LoopJob]>([])
    private let loopThreadID = Atomic<UInt>(0)
    private let nextID = Atomic<UInt64>(2)

    // Loop-thread state.
    var connections: [UInt64: Connection] = [:]
    var dirty: [Connection] = []
    let scratch: UnsafeMutableRawBufferPointer
    var wsActions: [WebSocketStateMachine.Action] = []
    private var running = true
    private var shutdownDeadline: Double?
    private var acceptPaused = false
    let tickInterval: Double

    init(options: ServerOptions, delegate: any WebSocketDelegate, routes: any HTTPRouteHandler, logger: Logger, listenFD: Int32) throws {
        self.options = options; self.delegate = delegate; self.routes = routes; self.logger = logger
        self.listenFD = listenFD
        epollFD = cs_epoll_create()
        guard epollFD >= 0 else { throw ServerError.system("epoll_create1", cs_errno()) }
        wakeFD = cs_eventfd()
        guard wakeFD >= 0 else { throw ServerError.system("eventfd", cs_errno()) }
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        let shortest = min(options.headerTimeoutSeconds, options.idlePingSeconds, options.closeWaitSeconds, options.keepAliveTimeoutSeconds)
        tickInterval = max(0.01, min(0.25, shortest / 4))
        _ = cs_epoll_add(epollFD, wakeFD, CS_EPOLLIN, Self.wakeToken)
        _ = cs_epoll_add(epollFD, listenFD, CS_EPOLLIN, Self.listenerToken)
    }

    deinit {
        scratch.deallocate()
        _ = cs_close_fd(epollFD)
        _ = cs_close_fd(wakeFD)
    }

    var isOnLoopThread: Bool { loopThreadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    func makeID() -> UInt64 { nextID.add(1, ordering: .relaxed).newValue }

    /// Thread-safe: queue a job and wake the loop (no wake needed from the loop itself or if one is pending).
    func post(_ job: LoopJob) {
        let wasEmpty = jobs.withLock { q in
            let e = q.isEmpty
            q.append(job)
            return e
        }
        if wasEmpty, !isOnLoopThread { _ = cs_eventfd_signal(wakeFD) }
    }

    func run() {
        loopThreadID.store(UInt(pthread_self()), ordering: .relaxed)
        var events = [UInt32](repeating: 0, count: 256)
        var tokens = [UInt64](repeating: 0, count: 256)
        var nextTick = MonotonicClock.now() + tickInterval
        while running {
            let wait = max(0, Int32(((nextTick - MonotonicClock.now()) * 1000).rounded(.up)))
            let n = cs_epoll_wait(epollFD, &events, &tokens, 256, wait)
            if n > 0 {
                for i in 0..<Int(n) { handle(event: events[i], token: tokens[i]) }
            }
            drainJobs()
            flushDirty()
            if shutdownDeadline != nil, connections.isEmpty { break }
            let now = MonotonicClock.now()
            if now >= nextTick {
                tick(now: now)
                drainJobs()
                flushDirty()
                nextTick = now + tickInterval
            }
        }
        for c in Array(connections.values) { c.teardown() }
        _ = cs_close_fd(listenFD)
    }

    private func handle(event: UInt32, token: UInt64) {
        switch token {
        case Self.wakeToken: _ = cs_eventfd_drain(wakeFD)
        case Self.listenerToken: acceptAll()
        default:
            guard let c = connections[token] else { return }
            if event & (CS_EPOLLIN | CS_EPOLLERR | CS_EPOLLHUP | CS_EPOLLRDHUP) != 0 { c.readable() }
            if event & CS_EPOLLOUT != 0, c.isOpen { c.flush() }
        }
    }

    private func drainJobs() {
        while true {
            let batch = jobs.withLock { q -> [LoopJob] in
                if q.isEmpty { return [] }
                let b = q
                q.removeAll(keepingCapacity: true)
                return b
            }
            if batch.isEmpty { return }
            for job in batch { run(job) }
        }
    }

    private func run(_ job: LoopJob) {
        switch job {
        case .send(let id, let frame):
            connections[id]?.sendFrame(frame)
        case .close(let id, let code, let reason):
            connections[id]?.closeWebSocket(code: code, reason: reason)
        case .overflow(let id):
            connections[id]?.overflowed()
        case .httpResponse(let id, let bytes, let keepAlive):
            connections[id]?.respond(bytes, keepAlive: keepAlive)
        case .shutdown(let deadline):
            beginShutdown(deadline: deadline)
        }
    }

    func markDirty(_ c: Connection) {
        if !c.isDirty {
            c.isDirty = true
            dirty.append(c)
        }
    }

    private func flushDirty() {
        while !dirty.isEmpty {
            let list = dirty
            dirty.removeAll(keepingCapacity: true)
            for c in list {
                c.isDirty = false
                if c.isOpen { c.flush() }
            }
        }
    }

    private func tick(now: Double) {
        if acceptPaused, shutdownDeadline == nil {
            acceptPaused = false
            _ = cs_epoll_add(epollFD, listenFD, CS_EPOLLIN, Self.listenerToken)
        }
        for c in Array(connections.values) { c.tick(now: now) }
        if let deadline = shutdownDeadline, connections.isEmpty || now >= deadline {
            running = false
        }
    }

    private func beginShutdown(deadline: Double) {
        guard shutdownDeadline == nil else { return }
        shutdownDeadline = deadline
        if !acceptPaused { _ = cs_epoll_del(epollFD, listenFD) }
        acceptPaused = true
        for c in Array(connections.values) { c.shutdown() }
    }

    private func acceptAll() {
        var addr = [CChar](repeating: 0, count: 64)
        while true {
            let fd = cs_tcp_accept(listenFD, &addr, 64)
            if fd < 0 {
                if fd == -EAGAIN || fd == -EWOULDBLOCK || fd == -ECONNABORTED { return }
                // EMFILE/ENFILE: stop accepting until the next tick instead of spinning.
                logger.warning("accept failed", ["errno": "\(-fd)"])
                _ = cs_epoll_del(epollFD, listenFD)
                acceptPaused = true
                return
            }
            if connections.count >= options.maxConnections {
                _ = cs_close_fd(fd)
                continue
            }
            let remote = addr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let c = Connection(id: makeID(), fd: fd, remoteAddress: remote, loop: self, now: MonotonicClock.now())
            guard cs_epoll_add(epollFD, fd, c.interest, c.id) == 0 else {
                _ = cs_close_fd(fd)
                continue
            }
            connections[c.id] = c
            openCount.add(1, ordering: .relaxed)
        }
    }

    func stop() { running = false }
    var isShuttingDown: Bool { shutdownDeadline != nil }
}
