import DriverKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Finds containers a previous run of this driver left behind (crash, `kill -9`) by label.
/// Unassigned pool containers are removed at once; session containers wait `adoptGraceMs` for the host to
/// re-open their session with the handle (re-adoption), then are removed too.
final class Janitor: Sendable {
    private let factory: ContainerFactory
    private let adoptable = Mutex<[String: ContainerSummary]>([:])

    init(factory: ContainerFactory) { self.factory = factory }

    /// Lists leftovers (quickly, so the handshake is not delayed) and records the session ones for
    /// re-adoption; `cleanup` then removes the rest. Returns how many await adoption.
    @discardableResult
    func sweepAtStartup() -> (adoptable: Int, cleanup: @Sendable () -> Void) {
        let list: [ContainerSummary]
        do {
            list = try factory.engine.listContainers(labels: [ContainerLabels.driver: "docker",
                                                              ContainerLabels.instance: factory.config.instance])
        } catch {
            DriverLog.warning("startup sweep skipped: \(error)")
            return (0, {})
        }
        var kept: [String: ContainerSummary] = [:]
        var doomed: [ContainerSummary] = []
        for c in list {
            let isPool = c.names.contains { $0.hasPrefix(ContainerLabels.poolNamePrefix) } || c.state != "running"
            if isPool || factory.config.adoptGraceMs == 0 { doomed.append(c) } else { kept[c.id] = c }
        }
        adoptable.withLock { $0 = kept }
        let keepSlots = Set(kept.values.compactMap { $0.labels[ContainerLabels.slot] })
        let grace = factory.config.adoptGraceMs
        let keptCount = kept.count
        let cleanup: @Sendable () -> Void = { [self, doomed] in
            for c in doomed { remove(c) }
            releaseOrphanSlots(keeping: keepSlots)
            if !list.isEmpty {
                DriverLog.info("startup sweep: removed \(doomed.count) leftover container(s), \(keptCount) await re-adoption")
            }
            if keptCount > 0 {
                OSThread.start { [self] in
                    var ts = timespec(tv_sec: grace / 1000, tv_nsec: (grace % 1000) * 1_000_000)
                    nanosleep(&ts, nil)
                    removeUnadopted()
                }
            }
        }
        return (kept.count, cleanup)
    }

    /// The leftover container for a handle, claimed for re-adoption (nil if unknown or already gone).
    func claim(_ handle: String) -> ContainerSummary? {
        adoptable.withLock { $0.removeValue(forKey: handle) }
    }

    /// Removes every leftover still unclaimed (grace over, or shutdown).
    func removeUnadopted() {
        let left = adoptable.withLock { a -> [ContainerSummary] in defer { a.removeAll() }; return Array(a.values) }
        for c in left { remove(c) }
        if !left.isEmpty { DriverLog.info("removed \(left.count) leftover session container(s) nobody re-adopted") }
    }

    private func remove(_ c: ContainerSummary) {
        if let slot = c.labels[ContainerLabels.slot] { factory.slots?.release(slot) }
        factory.remove(id: c.id)
    }

    /// Slot directories no live container uses (their mounts would otherwise outlive everything).
    private func releaseOrphanSlots(keeping: Set<String>) {
        guard let slots = factory.slots, let dir = opendir(slots.root) else { return }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for n in names where !keeping.contains(n) { slots.release(n) }
    }
}
