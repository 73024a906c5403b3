import DriverProtocol

/// The execution a runner is working on, owned by `RunnerProcess`'s state lock.
struct ActiveJob {
    let id: Int
    var stdout: OutputCollector
    var stderr: OutputCollector
    let events: EventSink
    /// Delivers the result to the waiting `run` (exactly once).
    let finish: @Sendable (RunResult) -> Void
    let startMs: Int64
    let timeoutMs: Int
    /// After this the driver stops trusting the runner to end the job and kills it (watchdog).
    var hardDeadline: Int64
    var timedOut = false
    var cancelled = false

    init(id: Int, job: RunnerJob, events: EventSink, finish: @escaping @Sendable (RunResult) -> Void) {
        self.id = id
        stdout = OutputCollector(limit: job.maxOutputBytes)
        stderr = OutputCollector(limit: job.maxOutputBytes)
        self.events = events
        self.finish = finish
        startMs = MonotonicClock.nowMs()
        timeoutMs = job.timeoutMs
        // Runners enforce the timeout themselves; the watchdog covers a runner stuck in user code.
        hardDeadline = startMs + Int64(job.timeoutMs) + 1000
    }

    mutating func append(_ stream: StdStream, _ bytes: [UInt8]) -> String {
        stream == .stdout ? stdout.append(bytes) : stderr.append(bytes)
    }

    func result(exitCode: Int?, signal: Int?, reason: String?) -> RunResult {
        RunResult(
            exitCode: exitCode, signal: signal, timedOut: timedOut, cancelled: cancelled,
            stdout: stdout.text, stderr: stderr.text, stdoutTruncated: stdout.truncated,
            stderrTruncated: stderr.truncated, durationMs: Int(MonotonicClock.nowMs() - startMs), reason: reason)
    }
}
