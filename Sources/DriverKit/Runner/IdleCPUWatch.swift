/// Watches a session's CPU usage while its runner has no job: background work a finished execution left
/// running (threads, workers, timers) must not keep burning a core after the result was sent. A pure state
/// machine: `check` gets the runner state and the cgroup's usage counter and says when the budget is spent.
struct IdleCPUWatch {
    let budgetMicros: Int?
    private var base: Int?
    private var jobs = -1
    /// Reading the counter is a file open and read: while idle it is read at most once per `readIntervalMs`,
    /// not on every wake-up of the IO loop (a busy session wakes it several times per execution).
    let readIntervalMs: Int64
    private var nextReadMs: Int64 = 0

    init(budgetMicros: Int?, readIntervalMs: Int64 = 100) {
        self.budgetMicros = budgetMicros; self.readIntervalMs = readIntervalMs
    }

    /// Whether the IO loop should read the counter and call `check` now. A running job's check needs no
    /// read (it resets the window), so it is always due; an idle one is due once per interval.
    mutating func due(now: Int64, running: Bool) -> Bool {
        if running || budgetMicros == nil { return true }
        guard now >= nextReadMs else { return false }
        nextReadMs = now + readIntervalMs
        return true
    }

    /// How long the loop may sleep before the next idle read is due (so a paced read is never skipped for long).
    func msUntilDue(now: Int64) -> Int64 { max(0, nextReadMs - now) }

    /// `running`: a job is in flight or the runner is not ready (usage is then not idle); `jobs`: a counter
    /// that changes with every dispatched job (a job that began and ended between two checks resets the
    /// window). Returns the usage in words once the idle usage exceeds the budget.
    mutating func check(running: Bool, jobs: Int, usage: Int?) -> String? {
        guard let budgetMicros, let usage, !running else {
            base = nil
            self.jobs = jobs
            return nil
        }
        guard let base, jobs == self.jobs else {
            self.base = usage
            self.jobs = jobs
            return nil
        }
        let used = usage - base
        guard used > budgetMicros else { return nil }
        self.base = nil
        return "\(Double(used / 10_000) / 100) s (the limit is \(Double(budgetMicros / 10_000) / 100) s)"
    }
}
