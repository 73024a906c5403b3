import Testing

@testable import codebeaker_driver_docker

@Suite struct DockerEndpointTests {
    @Test func defaultIsTheLocalUnixSocket() throws {
        #expect(try DockerEndpoint.parse(nil) == .unix(path: "/var/run/docker.sock"))
        #expect(try DockerEndpoint.parse("") == .unix(path: "/var/run/docker.sock"))
    }

    @Test func parsesUnixAndTcp() throws {
        #expect(
            try DockerEndpoint.parse("unix:///run/user/1000/docker.sock") == .unix(path: "/run/user/1000/docker.sock"))
        #expect(try DockerEndpoint.parse("tcp://10.0.0.5:2375") == .tcp(host: "10.0.0.5", port: 2375))
        #expect(try DockerEndpoint.parse("tcp://builder") == .tcp(host: "builder", port: 2375))
        #expect(try DockerEndpoint.parse("tcp://[::1]:2376") == .tcp(host: "::1", port: 2376))
    }

    @Test func remoteEnginesAreNotLocal() throws {
        #expect(try DockerEndpoint.parse("tcp://10.0.0.5:2375").isLocal == false)
        #expect(try DockerEndpoint.parse("tcp://127.0.0.1:2375").isLocal)
        #expect(try DockerEndpoint.parse(nil).isLocal)
    }

    @Test func rejectsUnsupportedSchemes() {
        #expect(throws: DockerEndpoint.Failure.self) { try DockerEndpoint.parse("ssh://user@host") }
        #expect(throws: DockerEndpoint.Failure.self) { try DockerEndpoint.parse("unix://relative.sock") }
        #expect(throws: DockerEndpoint.Failure.self) { try DockerEndpoint.parse("tcp://host:notaport") }
    }

    @Test func queryEscapingKeepsLabelFiltersIntact() {
        #expect(DockerEngine.escapeQuery("{\"label\":[\"a=b\"]}") == "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D")
        #expect(DockerEngine.escapePath("registry:5000/team/img:1.0") == "registry:5000/team/img:1.0")
    }
}
