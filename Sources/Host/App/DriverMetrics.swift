import DriverProtocol
import Synchronization

/// Copies driver state into the metrics at scrape time: `driver_up` from the supervisor's state, and the
/// restart counter advanced by what happened since the last scrape (counters only go up).
enum DriverMetrics {
    private static let seenRestarts = Mutex<[String: Int]>([:])

    static func update(_ metrics: CodeBeakerMetrics, from registry: DriverRegistry) {
        for s in registry.supervisors {
            metrics.driverUp.labels(s.name).set(s.isReady ? 1 : 0)
            let total = s.snapshot()["restarts"]?.int ?? 0
            let delta = seenRestarts.withLock { seen -> Int in
                let d = total - (seen[s.name] ?? 0)
                if d > 0 { seen[s.name] = total }
                return d
            }
            // Created even at 0, so every known driver has a restarts series from the first scrape.
            let restarts = metrics.driverRestarts.labels(s.name)
            if delta > 0 { restarts.increment(by: UInt64(delta)) }
        }
    }
}
