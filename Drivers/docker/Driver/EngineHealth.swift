import DriverKit
import Synchronization

/// Whether the Docker daemon answers, cached briefly so handshakes stay cheap.
final class EngineHealth: Sendable {
    struct Status: Sendable { var ok: Bool; var reason: String?; var checkedAtMs: Int64 }

    private let engine: DockerEngine
    private let last = Mutex<Status?>(nil)
    static let cacheMs: Int64 = 3_000

    init(engine: DockerEngine) { self.engine = engine }

    func check(force: Bool) -> Status {
        let now = MonotonicClock.nowMs()
        if !force, let s = last.withLock({ $0 }), now - s.checkedAtMs < Self.cacheMs { return s }
        let s: Status
        do {
            try engine.ping(timeoutMs: 1_500)
            s = Status(ok: true, reason: nil, checkedAtMs: now)
        } catch {
            s = Status(ok: false, reason: "Docker daemon unreachable at \(engine.endpoint): \(error)", checkedAtMs: now)
        }
        last.withLock { $0 = s }
        return s
    }
}
