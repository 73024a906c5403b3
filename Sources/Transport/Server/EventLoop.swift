import CSystem
import Glibc
import LinuxSystem
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
    let logger: any ServerLogging
    let epollFD: Int32
    let wakeFD: Int32
    let listenFD: Int32
    let counters: ServerCounters
    let crossSite: CrossSiteGuard

    /// The queue, and whether the loop is (about to be) blocked in epoll_wait: only then does a post need
    /// the eventfd. Both live under one lock so a post can never slip between the check and the sleep.
    private struct JobQueue { var jobs: [LoopJob] = []; var sleeping = false }
    private let jobs = Mutex(JobQueue())
    private let nextID = Atomic<UInt64>(2)
    /// The thread that runs the loop (0 until `run` starts); debug builds check loop-owned state against it.
    private let owner = Atomic<UInt>(0)

    // Loop-thread state.
    var connections: [UInt64: Connection] = [:]
    var dirty: [Connection] = []
    let scratch: UnsafeMutableRawBufferPointer
    var wsActions: [WebSocketStateMachine.Action] = []
    private var running = true
    private var shutdownDeadline: Double?
    private var acceptPaused = false
    let tickInterval: Double

    init(
        options: ServerOptions, delegate: any WebSocketDelegate, routes: any HTTPRouteHandler,
        logger: any ServerLogging,
        counters: ServerCounters, listenFD: Int32, boundPort: Int
    ) throws {
        self.options = options; self.delegate = delegate; self.routes = routes; self.logger = logger
        self.counters = counters
        crossSite = CrossSiteGuard(
            allowedOrigins: options.allowedOrigins, allowedHosts: options.allowedHosts,
            listenHost: options.host, port: boundPort)
        self.listenFD = listenFD
        epollFD = cs_epoll_create()
        guard epollFD >= 0 else { throw ServerError.system("epoll_create1", -epollFD) }
        wakeFD = cs_eventfd()
        guard wakeFD >= 0 else { throw ServerError.system("eventfd", -wakeFD) }
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        let shortest = min(
            options.headerTimeoutSeconds, options.idlePingSeconds, options.closeWaitSeconds,
            options.keepAliveTimeoutSeconds)
        tickInterval = max(0.01, min(0.25, shortest / 4))
        _ = cs_epoll_add(epollFD, wakeFD, CS_EPOLLIN, Self.wakeToken)
        _ = cs_epoll_add(epollFD, listenFD, CS_EPOLLIN, Self.listenerToken)
    }

    deinit {
        scratch.deallocate()
        _ = cs_close_fd(epollFD)
        _ = cs_close_fd(wakeFD)
    }

    /// Debug builds: traps when loop-owned state (connections, buffers, state machines) is touched off the
    /// loop thread. Free in release builds.
    @inline(__always)
    func assertOnLoop(_ caller: StaticString = #function) {
        assert(
            {
                let o = owner.load(ordering: .relaxed); return o == 0 || pthread_equal(o, pthread_self()) != 0
            }(),
            "\(caller) touched event-loop state off the loop thread")
    }

    /// Makes the calling thread the loop's owner (`run` does this first).
    func claimOwnership() { owner.store(pthread_self(), ordering: .relaxed) }

    func makeID() -> UInt64 { nextID.add(1, ordering: .relaxed).newValue }

    /// Thread-safe: queue a job; wake the loop only if it sleeps (a busy loop drains the queue before sleeping).
    func post(_ job: LoopJob) {
        let wake = jobs.withLock { q in
            q.jobs.append(job)
            let w = q.sleeping
            q.sleeping = false
            return w
        }
        if wake { _ = cs_eventfd_signal(wakeFD) }
    }

    func run() {
        claimOwnership()
        var events = [UInt32](repeating: 0, count: 256)
        var tokens = [UInt64](repeating: 0, count: 256)
        var nextTick = MonotonicClock.now() + tickInterval
        while running {
            let canSleep = jobs.withLock { q in
                q.sleeping = q.jobs.isEmpty
                return q.sleeping
            }
            let wait = canSleep ? max(0, Int32(((nextTick - MonotonicClock.now()) * 1000).rounded(.up))) : 0
            let n = cs_epoll_wait(epollFD, &events, &tokens, 256, wait)
            if canSleep { jobs.withLock { $0.sleeping = false } }
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
        for c in Array(connections.values) { c.teardown("loop stopped") }
        _ = cs_close_fd(listenFD)
    }

    private func handle(event: UInt32, token: UInt64) {
        assertOnLoop()
        switch token {
        case Self.wakeToken: _ = cs_eventfd_drain(wakeFD)
        case Self.listenerToken: acceptAll()
        default:
            guard let c = connections[token] else { return }
            if event & (CS_EPOLLIN | CS_EPOLLERR | CS_EPOLLHUP | CS_EPOLLRDHUP) != 0 { c.readable() }
            // ERR/HUP cannot be masked and stay signalled: the socket is dead in both directions, finish it.
            if event & (CS_EPOLLERR | CS_EPOLLHUP) != 0 { c.teardown("socket error or hang-up"); return }
            if event & CS_EPOLLOUT != 0, c.isOpen { c.flush() }
        }
    }

    private func drainJobs() {
        while true {
            let batch = jobs.withLock { q -> [LoopJob] in
                if q.jobs.isEmpty { return [] }
                let b = q.jobs
                q.jobs = []
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
        case .httpPart(let id, let bytes):
            connections[id]?.respondPart(bytes)
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
                counters.rejected.add(1, ordering: .relaxed)
                continue
            }
            let remote = addr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let c = Connection(id: makeID(), fd: fd, remoteAddress: remote, loop: self, now: MonotonicClock.now())
            guard cs_epoll_add(epollFD, fd, c.interest, c.id) == 0 else {
                _ = cs_close_fd(fd)
                continue
            }
            connections[c.id] = c
            counters.accepted.add(1, ordering: .relaxed)
            counters.open.add(1, ordering: .relaxed)
        }
    }

    func stop() { running = false }
    var isShuttingDown: Bool { shutdownDeadline != nil }
}
