import DriverKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Started containers waiting for a session, per image, with their runner already attached.
/// Each mounts its own empty workspace slot; `take` hands one out and a background thread refills.
final class WarmPool: Sendable {
    private struct State {
        var ready: [String: [LiveContainer]] = [:]
        var creating: [String: Int] = [:]
        var failures: [String: Int] = [:]
        var stopped = false
        /// Slots of containers being created right now (their ids are not known yet).
        var creatingSlots: Set<String> = []
    }

    let size: Int
    private let factory: ContainerFactory
    private let state = Mutex(State())
    private let creations = Atomic<Int>(0)

    /// Moves whenever a creation starts (orphan sweeps compare it before and after listing).
    var epoch: Int { creations.load(ordering: .relaxed) }

    init(size: Int, factory: ContainerFactory) {
        self.size = size; self.factory = factory
    }

    /// Pool containers mount slots, so the pool works only where slots do.
    var enabled: Bool { size > 0 && factory.slots != nil }

    /// A warm container for `image`, or nil (the caller then creates one cold). Starts a refill either way.
    func take(_ image: String) -> LiveContainer? {
        guard enabled else { return nil }
        var taken: LiveContainer?
        while true {
            let c = state.withLock { s -> LiveContainer? in
                guard var list = s.ready[image], !list.isEmpty else { return nil }
                let c = list.removeFirst()
                s.ready[image] = list
                return c
            }
            guard let c else { break }
            if c.channel.isBroken { factory.destroy(c); continue }
            taken = c
            break
        }
        refill(image)
        return taken
    }

    /// Tops `image` up to `size` containers in the background.
    func refill(_ image: String) {
        guard enabled else { return }
        let toCreate = state.withLock { s -> Int in
            guard !s.stopped, s.failures[image, default: 0] < 3 else { return 0 }
            let have = s.ready[image, default: []].count + s.creating[image, default: 0]
            let n = max(0, size - have)
            s.creating[image, default: 0] += n
            return n
        }
        guard toCreate > 0 else { return }
        OSThread.start { [self] in
            for _ in 0..<toCreate { createOne(image) }
        }
    }

    private func createOne(_ image: String) {
        guard let slots = factory.slots else { return }
        let slot = ContainerFactory.newSlotName()
        state.withLock { _ = $0.creatingSlots.insert(slot) }
        creations.wrappingAdd(1, ordering: .relaxed)
        var made: LiveContainer?
        var failure: String?
        if let e = slots.create(slot) {
            failure = e
        } else {
            do {
                made = try factory.create(
                    .init(
                        image: image, memoryMB: factory.config.defaultMemoryMB,
                        cpuShares: factory.config.defaultCpuShares,
                        pidsLimit: factory.config.defaultPidsLimit, network: false,
                        workspace: .slot(hostPath: slots.path(slot)),
                        labels: [ContainerLabels.pool: "1", ContainerLabels.session: "pool"],
                        name: ContainerLabels.poolNamePrefix + slot, slot: slot))
            } catch {
                failure = "\(error)"
                slots.release(slot)
            }
        }
        let leftover = state.withLock { s -> LiveContainer? in
            s.creating[image, default: 1] -= 1
            s.creatingSlots.remove(slot)
            guard let made else { s.failures[image, default: 0] += 1; return nil }
            s.failures[image] = 0
            if s.stopped { return made }
            s.ready[image, default: []].append(made)
            return nil
        }
        if let failure { DriverLog.warning("warm pool for \(image): \(failure)") }
        if let leftover { factory.destroy(leftover) }
    }

    /// What the pool owns right now: ready container ids and the slots of containers in creation.
    var owned: (ids: Set<String>, slots: Set<String>) {
        state.withLock { s in
            (
                Set(s.ready.values.flatMap { $0.map(\.id) }),
                s.creatingSlots.union(s.ready.values.flatMap { $0.compactMap(\.slot) })
            )
        }
    }

    /// Images the pool has been asked to keep warm.
    var images: [String] { state.withLock { Array(Set($0.ready.keys).union($0.creating.keys)).sorted() } }

    /// Number of ready containers per image (tests, metrics).
    func readyCount(_ image: String) -> Int { state.withLock { $0.ready[image, default: []].count } }

    /// Stops refilling and hands over every ready container (the caller destroys them).
    func drain() -> [LiveContainer] {
        state.withLock { s -> [LiveContainer] in
            s.stopped = true
            defer { s.ready.removeAll() }
            return s.ready.values.flatMap { $0 }
        }
    }

    /// Waits (blocking) until refills in flight are done; shutdown uses it so nothing is created after drain.
    func waitForCreations(timeoutMs: Int) {
        let deadline = MonotonicClock.nowMs() + Int64(timeoutMs)
        while state.withLock({ $0.creating.values.reduce(0, +) }) > 0 && MonotonicClock.nowMs() < deadline {
            var ts = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&ts, nil)
        }
    }
}
