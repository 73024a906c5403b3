import DriverKit
import DriverProtocol

#if canImport(Glibc)
    import Glibc
#endif

// codebeaker-driver-docker: sessions in Docker containers via the Engine API (docs/docker.md).

// SIGTERM (the host's second step when stopping a driver) must not cut the container cleanup short: it is
// blocked in every thread and handled by one that runs the same shutdown as stdin EOF, then exits.
var termSet = sigset_t()
sigemptyset(&termSet)
sigaddset(&termSet, SIGTERM)
pthread_sigmask(SIG_BLOCK, &termSet, nil)

let config = DockerDriverConfig.fromEnvironment()
let endpoint: DockerEndpoint
do {
    endpoint = try DockerEndpoint.parse(config.dockerHost)
} catch {
    DriverLog.error("\(error); using the default socket")
    endpoint = .unix(path: DockerEndpoint.defaultSocket)
}
let runtime = DockerRuntime(config: config, endpoint: endpoint)
OSThread.start {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGTERM)
    var sig: Int32 = 0
    while sigwait(&set, &sig) != 0 {}
    DriverLog.info("SIGTERM: removing containers, then exiting")
    Task {
        await runtime.shutdown()
        exit(0)
    }
}
runtime.start()
DriverServer.run(runtime)
