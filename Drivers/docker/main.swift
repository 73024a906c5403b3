import DriverProtocol
import DriverKit
#if canImport(Glibc)
import Glibc
#endif

// Smoke test until DriverKit's server loop lands.
let engine = DockerEngine(endpoint: try DockerEndpoint.parse(nil))
let slots = WorkspaceSlots(root: WorkspaceSlots.defaultRoot)
if let e = slots.prepare() { print("prepare:", e) }
_ = slots.create("smoke")
let spec = ContainerSpec(image: "codebeaker-python", memoryMB: 256, cpuShares: 1024, pidsLimit: 64, network: false,
                         workspace: .slot(hostPath: slots.path("smoke")), runnerHostPath: "/var/cache/codebeaker/cb-runner",
                         labels: ["codebeaker.driver": "docker", "codebeaker.smoke": "1"])
var t0 = Monotonic.nanos()
let id = try engine.createContainer(spec.json)
let conn = try engine.attach(id)
try engine.startContainer(id)
print("create+attach+start ms", Double(Monotonic.nanos() - t0) / 1e6)
let channel = RunnerChannel(containerId: id, connection: conn)
_ = mkdir("/tmp/smokews", 0o777)
_ = slots.attach(workspace: "/tmp/smokews", to: "smoke")
let sem = DispatchSemaphoreLike()
Task.detached {
    for i in 0..<10 {
        let t = Monotonic.nanos()
        let out = await channel.run(RunnerWire.Run(uid: 1000, gid: 1000, timeoutMs: 5000, maxOutput: 1 << 20, cwd: "/workspace",
                                                   filePath: "/tmp/x.py", fileContent: Array("import os;print(os.getuid(), sorted(os.listdir('/workspace')))".utf8),
                                                   argv: ["python3", "/tmp/x.py"]))
        print(i, Double(Monotonic.nanos() - t) / 1e6, out.exit as Any, String(decoding: out.stdout, as: UTF8.self), String(decoding: out.stderr, as: UTF8.self), out.lostReason as Any)
    }
    let t = Monotonic.nanos()
    let out = await channel.run(RunnerWire.Run(uid: 1000, gid: 1000, timeoutMs: 5000, maxOutput: 1 << 20, cwd: "/workspace", argv: ["true"]))
    print("true", Double(Monotonic.nanos() - t) / 1e6, out.exit as Any)
    sem.signal()
}
sem.wait()
t0 = Monotonic.nanos()
slots.release("smoke")
try engine.removeContainer(id)
print("remove ms", Double(Monotonic.nanos() - t0) / 1e6)

final class DispatchSemaphoreLike: @unchecked Sendable {
    var m = pthread_mutex_t(); var c = pthread_cond_t(); var done = false
    init() { pthread_mutex_init(&m, nil); pthread_cond_init(&c, nil) }
    func signal() { pthread_mutex_lock(&m); done = true; pthread_cond_signal(&c); pthread_mutex_unlock(&m) }
    func wait() { pthread_mutex_lock(&m); while !done { pthread_cond_wait(&c, &m) }; pthread_mutex_unlock(&m) }
}
