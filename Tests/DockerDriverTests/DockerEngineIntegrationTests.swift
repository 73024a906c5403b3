import DriverProtocol
import LinuxSystem
import Testing

@testable import codebeaker_driver_docker

#if canImport(Glibc)
    import Glibc
#endif

/// Against the real daemon; skipped (with this reason) only when /var/run/docker.sock is absent.
@Suite(
    .serialized,
    .enabled(if: access("/var/run/docker.sock", F_OK) == 0, "no Docker daemon socket at /var/run/docker.sock"))
struct DockerEngineIntegrationTests {
    let engine = DockerEngine(endpoint: .unix(path: "/var/run/docker.sock"))

    @Test func pingAndVersionOverTheUnixSocket() throws {
        try engine.ping()
        let v = try engine.version()
        #expect(v["ApiVersion"]?.string?.isEmpty == false)
    }

    @Test func missingImageIsReportedAsAbsent() throws {
        #expect(try engine.imageExists("codebeaker-no-such-image:never") == false)
    }

    @Test func keepAliveConnectionIsReusedAcrossRequests() throws {
        // 50 sequential requests succeed and share one pooled connection (the daemon keeps it alive).
        try engine.ping()
        let before = engine.http.connectionsOpened
        for _ in 0..<50 { try engine.ping() }
        #expect(
            engine.http.connectionsOpened == before, "opened \(engine.http.connectionsOpened - before) new connections")
    }

    @Test(
        .enabled(
            if: (try? DockerEngine(endpoint: .unix(path: "/var/run/docker.sock")).imageExists("codebeaker-base"))
                == true,
            "codebeaker-base not built (scripts/build-runtime-images.sh)"))
    func execStreamIsDemultiplexedAndExitCodeInspected() throws {
        let label = "codebeaker.test=\(getpid())"
        let config: JSONValue = [
            "Image": "codebeaker-base", "Cmd": ["sleep", "60"],
            "Labels": ["codebeaker.test": .string("\(getpid())")],
            "HostConfig": ["NetworkMode": "none"],
        ]
        let id = try engine.createContainer(config)
        defer { try? engine.removeContainer(id) }
        try engine.startContainer(id)
        #expect(
            try engine.listContainers(labels: ["codebeaker.test": "\(getpid())"]).map(\.id) == [id],
            "label filter \(label)")

        let exec = try engine.createExec(
            container: id, ExecSpec(cmd: ["sh", "-c", "printf out; printf err >&2; exit 3"]))
        let conn = try engine.startExec(exec)
        var demux = StreamDemuxer()
        var out: [UInt8] = [], err: [UInt8] = []
        while true {
            if !conn.buffer.isEmpty {
                for (s, piece) in try demux.feed(conn.buffer) { if s == .stdout { out += piece } else { err += piece } }
                conn.buffer.removeAll()
            }
            if try conn.readMore(deadline: MonotonicClock.nowNs() + 10_000_000_000) == 0 { break }
        }
        conn.close()
        #expect(out == Array("out".utf8))
        #expect(err == Array("err".utf8))
        var state = try engine.inspectExec(exec)
        for _ in 0..<50 where state.running { state = try engine.inspectExec(exec) }
        #expect(state.exitCode == 3)

        try engine.removeContainer(id)
        #expect(try engine.inspectContainer(id) == nil)
        #expect(try engine.listContainers(labels: ["codebeaker.test": "\(getpid())"]).isEmpty)
    }

    @Test func apiErrorsCarryDockersMessage() {
        do {
            try engine.startContainer("codebeaker-definitely-missing")
            Issue.record("expected a 404")
        } catch {
            #expect(error.isNotFound)
            #expect(error.message.contains("codebeaker-definitely-missing"))
        }
    }
}
