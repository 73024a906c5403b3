import DriverKit
import DriverProtocol

// codebeaker-driver-docker: sessions in Docker containers via the Engine API (docs/docker.md).
let config = DockerDriverConfig.fromEnvironment()
let endpoint: DockerEndpoint
do {
    endpoint = try DockerEndpoint.parse(config.dockerHost)
} catch {
    DriverLog.error("\(error); using the default socket")
    endpoint = .unix(path: DockerEndpoint.defaultSocket)
}
let runtime = DockerRuntime(config: config, endpoint: endpoint)
runtime.start()
DriverServer.run(runtime)
