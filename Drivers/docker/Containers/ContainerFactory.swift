import DriverKit
import DriverProtocol
import Synchronization

/// Creates, attaches to and destroys session containers (blocking calls: run them via `offPool`).
final class ContainerFactory: Sendable {
    let engine: DockerEngine
    let config: DockerDriverConfig
    /// nil when pool slots cannot be used (remote engine, or no permission to mount).
    let slots: WorkspaceSlots?
    private let imageRunner = Mutex<[String: String?]>([:])

    init(engine: DockerEngine, config: DockerDriverConfig, slots: WorkspaceSlots?) {
        self.engine = engine; self.config = config; self.slots = slots
    }

    /// The host's static cb-runner can be bound only into containers of a local engine.
    var runnerHostPath: String? { engine.endpoint.isLocal ? config.runnerHostPath : nil }

    /// Whether `image` exists, and where its cb-runner is when the host cannot provide one.
    /// Throws a user-facing error when the image is missing or cannot run sessions.
    func checkImage(_ image: String) throws(DriverError) -> String? {
        if let known = imageRunner.withLock({ $0[image] }) { return known }
        let info: JSONValue?
        do { info = try engine.inspectImage(image) } catch { throw .unavailable("Docker: \(error)") }
        guard let info else { throw .unavailable("image \(image) not found") }
        let inImage = info["Config"]?["Labels"]?["codebeaker.runner"]?.string
        if runnerHostPath == nil && inImage == nil {
            throw .unavailable(
                "image \(image) has no cb-runner and the engine is remote: build it FROM codebeaker-base "
                    + "or add scripts/images/cb-runner (static) at /usr/local/bin/cb-runner with LABEL codebeaker.runner"
            )
        }
        imageRunner.withLock { $0[image] = .some(inImage) }
        return inImage
    }

    struct Plan: Sendable {
        var image: String
        var memoryMB: Int
        var cpuShares: Int
        var pidsLimit: Int
        var network: Bool
        var workspace: ContainerSpec.WorkspaceMount
        var labels: [String: String]
        var name: String?
        var slot: String?
        /// Size of /tmp; nil: `DockerLanguage.tmpMB` (64 MB, more for the Go image).
        var tmpMB: Int?
        var readOnlyBinds: [ContainerSpec.Bind] = []
    }

    /// Creates, attaches and starts a container; removes it again if any step fails.
    func create(_ plan: Plan) throws -> LiveContainer {
        let inImage = try checkImage(plan.image)
        if plan.network { try SessionBridge.ensure(engine) }
        var labels = plan.labels
        labels[ContainerLabels.driver] = "docker"
        labels[ContainerLabels.instance] = config.instance
        labels[ContainerLabels.host] = HostInstance.defaultName()
        if let slot = plan.slot { labels[ContainerLabels.slot] = slot }
        var spec = ContainerSpec(
            image: plan.image, memoryMB: plan.memoryMB, cpuShares: plan.cpuShares,
            pidsLimit: plan.pidsLimit, network: plan.network, workspace: plan.workspace,
            runnerHostPath: runnerHostPath, runnerInImage: inImage ?? "/usr/local/bin/cb-runner",
            labels: labels, env: ["HOME=/tmp"],
            tmpfsMB: plan.tmpMB ?? DockerLanguage.tmpMB(image: plan.image, memoryMB: plan.memoryMB))
        spec.readOnlyBinds = plan.readOnlyBinds
        let id = try createReplacingLeftover(spec.json, name: plan.name)
        do {
            let conn = try engine.attach(id)
            let channel = RunnerChannel(containerId: id, connection: conn)
            do {
                try engine.startContainer(id)
            } catch {
                channel.close()
                throw error
            }
            return LiveContainer(id: id, image: plan.image, slot: plan.slot, channel: channel)
        } catch {
            try? engine.removeContainer(id)
            throw error
        }
    }

    /// Creates the container; if its name is taken by a leftover of this instance (a session re-created after
    /// a crash), removes that one and tries once more.
    private func createReplacingLeftover(_ body: JSONValue, name: String?) throws(EngineError) -> String {
        let failure: EngineError
        do { return try engine.createContainer(body, name: name) } catch { failure = error }
        guard failure.kind == .api, failure.status == 409, let name, let old = try engine.inspectContainer(name),
            old["Config"]?["Labels"]?[ContainerLabels.instance]?.string == config.instance
        else { throw failure }
        DriverLog.warning("removing leftover container \(name) to re-create it")
        if let slot = old["Config"]?["Labels"]?[ContainerLabels.slot]?.string { slots?.release(slot) }
        if let oldId = old["Id"]?.string { remove(id: oldId) }
        return try engine.createContainer(body, name: name)
    }

    /// A fresh attach to a container that outlived its channel (driver restart: re-adoption).
    func reattach(id: String, image: String, slot: String?) throws -> LiveContainer {
        let conn = try engine.attach(id)
        return LiveContainer(
            id: id, image: image, slot: slot, channel: RunnerChannel(containerId: id, connection: conn))
    }

    /// Kills whatever runs, removes the container and frees its slot. Never throws: leaks are logged.
    func destroy(_ c: LiveContainer) {
        c.channel.killAll()
        c.channel.close()
        if let slot = c.slot { slots?.release(slot) }
        remove(id: c.id)
    }

    func remove(id: String) {
        do { try engine.removeContainer(id) } catch {
            DriverLog.error("could not remove container \(id.prefix(12)): \(error)")
        }
    }

    static func newSlotName() -> String {
        var g = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        return String((0..<12).map { _ in hex[Int(g.next() % 16)] })
    }
}
