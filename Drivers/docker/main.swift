import DriverProtocol
import DriverKit

// Placeholder until DriverKit's server loop lands.
let engine = DockerEngine(endpoint: try DockerEndpoint.parse(nil))
try engine.ping()
print(JSONWriter.string(try engine.version()))
