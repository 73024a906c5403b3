import DriverKit
import DriverProtocol
import Glibc
import Synchronization

/// The Docker network of `network: true` containers (sessions and installers). Not the default bridge,
/// where containers reach each other: a bridge of the driver's own with inter-container traffic off
/// (`enable_icc=false`), and, on a local engine, host firewall rules so its containers cannot reach the
/// host itself (its loopback-published and other services: INPUT from the bridge is dropped) nor private,
/// link-local/metadata or reserved ranges (DOCKER-USER, the chain Docker keeps for operator rules).
/// Outbound internet traffic is NATed as usual.
enum SessionBridge {
    static let name = "codebeaker-sessions"
    static let interface = "cb-sessions0"
    static let iptables = "/usr/sbin/iptables"
    private static let ready = Mutex(false)

    /// Creates the network and the rules once per driver process (idempotent across processes too).
    static func ensure(_ engine: DockerEngine) throws(DriverError) {
        if ready.withLock({ $0 }) { return }
        do {
            if try engine.inspectNetwork(name) == nil {
                try engine.createNetwork([
                    "Name": .string(name), "Driver": "bridge", "CheckDuplicate": true,
                    "Options": [
                        "com.docker.network.bridge.enable_icc": "false",
                        "com.docker.network.bridge.name": .string(interface),
                    ],
                    "Labels": ["codebeaker.driver": "docker"],
                ])
            }
        } catch {
            throw .unavailable("network: cannot create the Docker network \(name): \(error)")
        }
        if engine.endpoint.isLocal { try firewall() }
        ready.withLock { $0 = true }
    }

    /// `iptables -C` first, so rules are added once however often drivers start.
    static func firewall() throws(DriverError) {
        guard access(iptables, X_OK) == 0 else {
            throw .unavailable(
                "network: \(iptables) is missing, so Docker sessions cannot be kept off the host; install iptables")
        }
        var rules: [[String]] = [["INPUT", "-i", interface, "-j", "DROP"]]
        for c in BlockedDestinations.fixed {
            rules.append(["DOCKER-USER", "-i", interface, "-d", c.description, "-j", "DROP"])
        }
        for rule in rules {
            if iptablesRun(["-C"] + rule) == 0 { continue }
            let rc = iptablesRun(["-I"] + rule)
            guard rc == 0 else {
                throw .unavailable("network: iptables -I \(rule.joined(separator: " ")) failed (exit \(rc))")
            }
        }
    }

    static func iptablesRun(_ args: [String]) -> Int {
        var spec = ProcessSpec(
            executable: iptables, arguments: [iptables, "-w"] + args,
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], cwd: "/")
        spec.timeoutMs = 20_000
        guard case .success(let r) = ProcessRunner.runBlocking(spec) else { return -1 }
        return r.exitCode ?? -1
    }
}
