import Dispatch
public import DriverProtocol
public import FoundationEssentials
import Glibc
import LinuxSystem
import Synchronization

/// Layer 5: the audit log. `record` encodes and redacts the line on the caller's thread, appends it to an
/// in-memory queue and returns (about a microsecond); one writer thread drains the queue into
/// `AuditFileStore`, batching lines into one write per day file. A write failure never reaches the
/// caller: it is logged once (until writes succeed again) and every lost event is counted in
/// `codebeaker_audit_write_failures_total`. The queue is capped; past the cap events are dropped and counted.
public final class AuditLog: Sendable {
    private enum Item {
        case line(day: Int, bytes: [UInt8])
        case flush(DispatchSemaphore)
        case stop(DispatchSemaphore)
    }

    private struct Queue {
        var items: [Item] = []
        var bytes = 0
        var stopped = false
        var overflowLogged = false
    }

    public let directory: String
    private let queue = Mutex<Queue>(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let redactor: AuditRedactor
    private let failures: Counter
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let maxQueuedBytes: Int

    public init(
        directory: String, retentionDays: Int, redactor: AuditRedactor, failures: Counter,
        logger: Logger = Logger("audit"), clock: @escaping @Sendable () -> Date = { Date() },
        maxQueuedBytes: Int = 8 << 20
    ) {
        self.directory = directory
        self.redactor = redactor
        self.failures = failures
        self.logger = logger
        self.clock = clock
        self.maxQueuedBytes = maxQueuedBytes
        let store = AuditFileStore(directory: directory, retentionDays: retentionDays)
        OSThread.start(name: "codebeaker-audit") { [self] in self.run(store: store) }
    }

    public func record(
        _ event: AuditEventType, principal: String, session: String?, outcome: AuditOutcome,
        details: JSONObject = JSONObject()
    ) {
        record(
            AuditRecord(
                time: clock(), principal: principal, session: session, event: event, outcome: outcome, details: details)
        )
    }

    public func record(_ r: AuditRecord) {
        let bytes = r.line(redactor: redactor)
        let day = UTCTime.dayNumber(r.time)
        let (wasEmpty, dropped, logOverflow) = queue.withLock { q -> (Bool, Bool, Bool) in
            if q.stopped { return (false, true, false) }
            if q.bytes + bytes.count > maxQueuedBytes {
                let first = !q.overflowLogged
                q.overflowLogged = true
                return (false, true, first)
            }
            let empty = q.items.isEmpty
            q.items.append(.line(day: day, bytes: bytes))
            q.bytes += bytes.count
            return (empty, false, false)
        }
        if dropped { failures.increment() }
        if logOverflow {
            logger.error("audit queue full (\(maxQueuedBytes) bytes); dropping events until the writer catches up")
        }
        if wasEmpty { wake.signal() }
    }

    /// Blocks until everything recorded before the call has been written (or failed). For tests and shutdown.
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) -> Bool { enqueueAndWait(stop: false, timeout: timeout) }

    /// Writes what is queued and stops the writer; later records are dropped (and counted).
    public func close(timeout: Duration = .seconds(10)) { _ = enqueueAndWait(stop: true, timeout: timeout) }

    private func enqueueAndWait(stop: Bool, timeout: Duration) -> Bool {
        let done = DispatchSemaphore(value: 0)
        let enqueued = queue.withLock { q -> Bool in
            if q.stopped { return false }
            q.stopped = stop
            q.items.append(stop ? .stop(done) : .flush(done))
            return true
        }
        guard enqueued else { return true }
        wake.signal()
        let ms = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return done.wait(timeout: .now() + .milliseconds(ms)) == .success
    }

    private func run(store initial: AuditFileStore) {
        var store = initial
        var failing = false
        // At start: surface a directory that cannot be created now, not at the first event, and apply retention.
        do {
            try AuditFileStore.makeDirectories(directory)
            let deleted = store.deleteExpired(today: UTCTime.dayNumber(clock()))
            if !deleted.isEmpty {
                logger.info("deleted \(deleted.count) audit files past retention", ["dir": directory])
            }
        } catch {
            failing = true
            logger.error(
                "audit log directory unusable; events will be dropped until it works: \(error)", ["dir": directory])
        }
        while true {
            wake.wait()
            let items = queue.withLock { q -> [Item] in
                let taken = q.items
                q.items = []
                q.bytes = 0
                q.overflowLogged = false
                return taken
            }
            var batch: [UInt8] = [], batchDay = 0, batchLines = 0
            func writeBatch() {
                guard batchLines > 0 else { return }
                do {
                    try store.append(batch, day: batchDay)
                    if failing { failing = false; logger.info("audit log writes succeed again", ["dir": directory]) }
                } catch {
                    failures.increment(by: UInt64(batchLines))
                    if !failing {
                        failing = true;
                        logger.error("audit log write failed; events are being dropped: \(error)", ["dir": directory])
                    }
                }
                batch.removeAll(keepingCapacity: true); batchLines = 0
            }
            for item in items {
                switch item {
                case .line(let day, let bytes):
                    if day != batchDay { writeBatch(); batchDay = day }
                    batch.append(contentsOf: bytes); batchLines += 1
                case .flush(let done):
                    writeBatch(); done.signal()
                case .stop(let done):
                    writeBatch(); store.closeFile(); done.signal()
                    return
                }
            }
            writeBatch()
        }
    }
}
