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
            list = try factory.engine.listContainers(labels: [
                ContainerLabels.driver: "docker",
                ContainerLabels.instance: factory.config.instance,
            ])
        } catch {
            DriverLog.warning("startup sweep skipped: \(error)")
            return (0, {})
        }
        var kept: [String: ContainerSummary] = [:]
        var doomed: [ContainerSummary] = []
        let others = list.filter(Self.belongsToAnotherLiveHost)
        for c in list where !Self.belongsToAnotherLiveHost(c) {
            let isPool = c.names.contains { $0.hasPrefix(ContainerLabels.poolNamePrefix) } || c.state != "running"
            if isPool || factory.config.adoptGraceMs == 0 { doomed.append(c) } else { kept[c.id] = c }
        }
        adoptable.withLock { $0 = kept }
        let keepSlots = Set((Array(kept.values) + others).compactMap { $0.labels[ContainerLabels.slot] })
        let grace = factory.config.adoptGraceMs
        let keptCount = kept.count
        let cleanup: @Sendable () -> Void = { [self, doomed] in
            Parallel.forEach(doomed) { c in self.remove(c) }
            releaseOrphanSlots(keeping: keepSlots)
            if !list.isEmpty {
                DriverLog.info(
                    "startup sweep: removed \(doomed.count) leftover container(s), \(keptCount) await re-adoption")
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

    /// The leftover container for a handle (its id) or, failing that, for the session (its name), claimed for
    /// re-adoption or removal; nil if unknown or already claimed.
    func claim(handle: String?, session: String) -> ContainerSummary? {
        let name = ContainerLabels.containerName(session: session)
        return adoptable.withLock { a in
            if let handle, let c = a.removeValue(forKey: handle) { return c }
            guard let c = a.values.first(where: { $0.names.contains(name) }) else { return nil }
            return a.removeValue(forKey: c.id)
        }
    }

    /// Removes every leftover still unclaimed (grace over, or shutdown).
    func removeUnadopted() {
        let left = adoptable.withLock { a -> [ContainerSummary] in
            defer { a.removeAll() }; return Array(a.values)
        }
        Parallel.forEach(left) { c in self.remove(c) }
        if !left.isEmpty { DriverLog.info("removed \(left.count) leftover session container(s) nobody re-adopted") }
    }

    /// Removes containers of this driver instance that nobody owns: not a session's, not the pool's, not
    /// awaiting adoption. Catches what a crash left half-done (a create in flight during `kill -9` lands after
    /// the startup listing) and removals that failed. Returns how many it removed.
    @discardableResult
    func sweepOrphans(ownedIds: Set<String>, ownedSlots: Set<String>, stillValid: () -> Bool) -> Int {
        guard
            let list = try? factory.engine.listContainers(labels: [
                ContainerLabels.driver: "docker",
                ContainerLabels.instance: factory.config.instance,
            ]),
            stillValid()
        else { return 0 }
        let waiting = adoptable.withLock { Set($0.keys) }
        var removed = 0
        for c in list where !ownedIds.contains(c.id) && !waiting.contains(c.id) && !Self.belongsToAnotherLiveHost(c) {
            if let slot = c.labels[ContainerLabels.slot], ownedSlots.contains(slot) { continue }
            remove(c)
            removed += 1
        }
        if removed > 0 { DriverLog.info("removed \(removed) orphaned container(s)") }
        return removed
    }

    /// Containers of hosts of this machine that are gone for good (see HostInstance.isStale), and their slot
    /// directories: nobody will ever re-adopt them.
    func sweepStaleInstances() {
        guard let list = try? factory.engine.listContainers(labels: [ContainerLabels.driver: "docker"]) else { return }
        let mine = factory.config.instance
        let stale = list.filter { c in
            guard let inst = c.labels[ContainerLabels.instance], inst != mine else { return false }
            return HostInstance.isStale(inst)
        }
        Parallel.forEach(stale) { c in
            if let inst = c.labels[ContainerLabels.instance], let slot = c.labels[ContainerLabels.slot] {
                WorkspaceSlots(root: "\(self.factory.config.slotRoot)/\(inst)").release(slot)
            }
            self.factory.remove(id: c.id)
        }
        if !stale.isEmpty { DriverLog.info("removed \(stale.count) container(s) of hosts that are gone") }
        for name in FD.directoryNames(factory.config.slotRoot) where name != mine && HostInstance.isStale(name) {
            let root = WorkspaceSlots(root: "\(factory.config.slotRoot)/\(name)")
            for slot in FD.directoryNames(root.root) { root.release(slot) }
            root.teardown()
        }
    }

    /// Shutdown's last step: every container of this instance goes, including one whose create was still in
    /// flight when the pool was drained.
    func removeAllOfInstance() {
        guard
            let list = try? factory.engine.listContainers(labels: [
                ContainerLabels.driver: "docker",
                ContainerLabels.instance: factory.config.instance,
            ])
        else { return }
        Parallel.forEach(list.filter { !Self.belongsToAnotherLiveHost($0) }) { c in self.remove(c) }
    }

    /// Created by another host of this machine that still runs: two hosts were given the same custom instance
    /// name (`CODEBEAKER_DOCKER_INSTANCE`). Its containers and slots are never this driver's to remove.
    static func belongsToAnotherLiveHost(_ c: ContainerSummary) -> Bool {
        guard let host = c.labels[ContainerLabels.host], host != HostInstance.defaultName(),
            HostInstance.pid(in: host) != nil
        else { return false }
        return !HostInstance.isStale(host)
    }

    private func remove(_ c: ContainerSummary) {
        if let slot = c.labels[ContainerLabels.slot] { factory.slots?.release(slot) }
        factory.remove(id: c.id)
    }

    /// Slot directories no live container uses (their mounts would otherwise outlive everything).
    private func releaseOrphanSlots(keeping: Set<String>) {
        guard let slots = factory.slots else { return }
        for n in FD.directoryNames(slots.root) where !keeping.contains(n) { slots.release(n) }
    }
}
