/// Watches a session's CPU usage while its runner has no job: background work a finished execution left
/// running (threads, workers, timers) must not keep burning a core after the result was sent. A pure state
/// machine: `check` gets the runner state and the cgroup's usage counter and says when the budget is spent.
struct IdleCPUWatch {
    let budgetMicros: Int?
    private var base: Int?
    private var jobs = -1

    init(budgetMicros: Int?) { self.budgetMicros = budgetMicros }

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
