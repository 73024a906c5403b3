import CSystem
import Glibc
import LinuxSystem
import Synchronization

/// A small fixed set of OS threads that do the host's file commands (write, read, copy, delete, list,
/// diff, apply_patch). They block in syscalls and can take seconds (a 100 MB copy, a large diff), so they
/// must never run on the Swift cooperative pool, which has one thread per core and also runs every request,
/// the session manager and the driver calls: a few slow file commands there freeze every other client.
///
/// The queue is bounded (`capacity` jobs queued or running); `run` answers nil at once when it is full,
/// so the caller can refuse with a clear error instead of piling up work. The threads run at a lower CPU
/// priority (nice) than the rest of the host, so file work yields to request handling.
public final class FileWorkPool: @unchecked Sendable {
    public typealias Job = @Sendable () -> Void

    public let threads: Int
    public let capacity: Int
    let nice: Int32
    private let state = Mutex(State())
    /// Counts queued jobs; workers wait on it. Allocated once and never freed (the pool lives as long as
    /// its threads, which never exit).
    private let available: UnsafeMutablePointer<sem_t>

    struct State {
        var jobs: [Job] = []
        var head = 0
        /// Queued plus running.
        var inFlight = 0
        var started = false
    }

    /// The host's pool: half the cores (1 to 4 threads), so file work always leaves cores to request
    /// handling and the drivers; 64 jobs.
    public static let shared = FileWorkPool(threads: defaultThreads, capacity: 64)

    public static var defaultThreads: Int { min(4, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) / 2)) }

    public init(threads: Int, capacity: Int, nice: Int32 = 10) {
        precondition(threads > 0 && capacity > 0)
        self.threads = threads
        self.capacity = capacity
        self.nice = nice
        available = .allocate(capacity: 1)
        sem_init(available, 0, 0)
    }

    /// Jobs queued or running now.
    public var inFlight: Int { state.withLock { $0.inFlight } }

    /// Queues `job`; false (and nothing queued) when `capacity` jobs are already queued or running.
    public func submit(_ job: @escaping Job) -> Bool { enqueue(job, evenWhenFull: false) }

    private func enqueue(_ job: @escaping Job, evenWhenFull: Bool) -> Bool {
        let startThreads = state.withLock { s -> Bool in
            guard evenWhenFull || s.inFlight < capacity else { return false }
            s.inFlight += 1
            s.jobs.append(job)
            return true
        }
        guard startThreads else { return false }
        startIfNeeded()
        sem_post(available)
        return true
    }

    /// Runs `body` on a pool thread and resumes the caller with its value; nil when the pool is full.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (cont: CheckedContinuation<T?, Never>) in
            if !submit({ cont.resume(returning: body()) }) { cont.resume(returning: nil) }
        }
    }

    /// Runs `body` on a pool thread even when the queue is full: for file work that must happen and has no
    /// client to refuse (creating and removing a session's workspace). It still counts as in flight, so a burst
    /// of it makes new file commands wait their turn rather than the other way round.
    public func runAlways<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
            _ = enqueue({ cont.resume(returning: body()) }, evenWhenFull: true)
        }
    }

    private func startIfNeeded() {
        let start = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started
        }
        guard start else { return }
        for i in 0..<threads {
            OSThread.start(name: "cb-files-\(i)") { [self] in
                // Nice, not SCHED_IDLE: an idle-class thread can starve for seconds on a loaded host while it
                // holds the process's mmap lock (a page fault), and then every other thread waits with it.
                _ = cs_nice_current_thread(nice)
                while true { next()() }
            }
        }
    }

    /// Blocks until a job is queued and takes it; marks it done when the returned closure has run.
    private func next() -> () -> Void {
        _ = Syscall.retrying { sem_wait(available) }
        let job = state.withLock { s -> Job in
            let j = s.jobs[s.head]
            s.head += 1
            if s.head == s.jobs.count {
                s.jobs.removeAll(keepingCapacity: true); s.head = 0
            } else if s.head > 64 && s.head * 2 > s.jobs.count {
                s.jobs.removeFirst(s.head); s.head = 0
            }
            return j
        }
        return { [self] in
            job()
            state.withLock { $0.inFlight -= 1 }
        }
    }
}
