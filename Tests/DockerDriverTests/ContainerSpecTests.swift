import DriverProtocol
import Glibc
import Testing

@testable import codebeaker_driver_docker

@Suite struct ContainerSpecTests {
    static let spec = ContainerSpec(
        image: "codebeaker-python", memoryMB: 256, cpuShares: 512, pidsLimit: 64, network: false,
        workspace: .slot(hostPath: "/pool/abc"), runnerHostPath: "/cache/cb-runner",
        labels: ["codebeaker.driver": "docker", "codebeaker.session": "s_1"])

    @Test func lockedDownByDefault() {
        let j = Self.spec.json
        let h = j["HostConfig"]
        #expect(h?["NetworkMode"] == "none")
        #expect(j["NetworkDisabled"] == true)
        #expect(h?["Memory"] == .int(256 << 20))
        #expect(h?["MemorySwap"] == .int(256 << 20))
        #expect(h?["CpuShares"] == 512)
        #expect(h?["PidsLimit"] == 64)
        #expect(h?["ReadonlyRootfs"] == true)
        #expect(h?["CapDrop"] == ["ALL"])
        #expect(h?["SecurityOpt"]?.array?.first == "no-new-privileges")
        #expect(h?["OomScoreAdj"] == 1000)
        #expect(h?["Tmpfs"]?["/tmp"]?.string?.hasPrefix("rw,exec,nosuid,nodev") == true)
        #expect(j["Labels"]?["codebeaker.session"] == "s_1")
    }

    @Test func seccompProfileDeniesIoUringKeyringsAndUserNamespaces() throws {
        let opts = Self.spec.json["HostConfig"]?["SecurityOpt"]?.array ?? []
        let seccomp = try #require(opts.compactMap(\.string).first { $0.hasPrefix("seccomp=") })
        let profile = try JSONParser.parse(Array(seccomp.dropFirst("seccomp=".count).utf8))
        #expect(profile["defaultAction"] == "SCMP_ACT_ALLOW")
        let rules = profile["syscalls"]?.array ?? []
        let denied = Set(rules.first?["names"]?.array?.compactMap(\.string) ?? [])
        #expect(
            denied.isSuperset(of: [
                "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key",
                "request_key", "userfaultfd", "perf_event_open", "bpf", "unshare", "mount",
            ]))
        #expect(rules.first?["errnoRet"] == 1)
        #expect(rules.contains { $0["names"] == ["clone"] && $0["args"]?.array?.first?["value"] == .int(0x1000_0000) })
        #expect(rules.contains { $0["names"] == ["clone3"] && $0["errnoRet"] == 38 })
    }

    @Test func slotMountPropagatesAndRunnerIsReadOnly() {
        let mounts = Self.spec.json["HostConfig"]?["Mounts"]?.array ?? []
        #expect(mounts.count == 2)
        #expect(mounts[0]["Target"] == "/workspace" && mounts[0]["BindOptions"]?["Propagation"] == "rslave")
        #expect(mounts[1]["Target"] == .string(ContainerSpec.runnerMountPoint) && mounts[1]["ReadOnly"] == true)
        #expect(Self.spec.json["Entrypoint"] == [.string(ContainerSpec.runnerMountPoint)])
    }

    @Test func networkOptionSelectsTheDriversOwnBridge_NotTheDefaultOne() {
        var s = Self.spec
        s.network = true
        #expect(s.json["HostConfig"]?["NetworkMode"] == .string(SessionBridge.name))  // never the default bridge
        #expect(s.json["NetworkDisabled"] == false)
    }

    @Test func remoteEngineGetsAWorkspaceTmpfsAndTheImagesRunner() {
        var s = Self.spec
        s.workspace = .none
        s.runnerHostPath = nil
        // memoryMB 256: the in-container workspace is memory-sized, /tmp stays small.
        #expect(s.json["HostConfig"]?["Tmpfs"]?["/workspace"]?.string?.contains("size=256m") == true)
        #expect(s.json["HostConfig"]?["Tmpfs"]?["/tmp"]?.string?.contains("size=\(s.tmpfsMB)m") == true)
        #expect(s.json["HostConfig"]?["Mounts"] == [])
        #expect(s.json["HostConfig"]?["Tmpfs"]?[ContainerSpec.execDir]?.string?.contains("noexec") == true)
        #expect(s.json["Entrypoint"] == ["/usr/local/bin/cb-runner"])
    }

    @Test func containerNamesAreSanitized() {
        #expect(ContainerLabels.containerName(session: "s_ab-1.x") == "codebeaker-s_ab-1.x")
        #expect(ContainerLabels.containerName(session: "s/../é") == "codebeaker-s_..__")
    }

    @Test func languagesResolveByAlias() {
        #expect(DockerLanguage.find("py")?.defaultImage == "codebeaker-python")
        #expect(DockerLanguage.find("NODE")?.name == "javascript")
        #expect(DockerLanguage.find("golang")?.command("/tmp/a.go") == ["go", "run", "/tmp/a.go"])
        #expect(DockerLanguage.find("dotnet")?.builtIn == false)
        #expect(DockerLanguage.find("cobol") == nil)
    }
}

@Suite struct DockerTmpSizeTests {
    @Test func tmpIsSixtyFourMBExceptForTheGoImage() {
        #expect(DockerLanguage.tmpMB(image: "codebeaker-python:latest", memoryMB: 512) == 64)
        #expect(DockerLanguage.tmpMB(image: "my/own-image", memoryMB: 2048) == 64)
        #expect(DockerLanguage.tmpMB(image: "codebeaker-go", memoryMB: 512) == 512)
        #expect(DockerLanguage.tmpMB(image: "example.test/codebeaker-go:1", memoryMB: 4096) == 1024)
        #expect(DockerLanguage.tmpMB(image: "codebeaker-go", memoryMB: 16) == 64)
    }
}

@Suite struct JanitorOwnershipTests {
    static func container(host: String?) -> ContainerSummary {
        var labels: JSONObject = ["codebeaker.driver": "docker", "codebeaker.instance": "shared"]
        if let host { labels["codebeaker.host"] = .string(host) }
        return ContainerSummary(json: [
            "Id": "abc", "Image": "codebeaker-python", "State": "running",
            "Labels": .object(labels), "Names": ["/codebeaker-s_1"],
        ])!
    }

    @Test func ownHostUnlabelledDeadAndForeignMachinesAreNotProtected() {
        #expect(!Janitor.belongsToAnotherLiveHost(Self.container(host: HostInstance.defaultName())))
        #expect(!Janitor.belongsToAnotherLiveHost(Self.container(host: nil)))
        #expect(!Janitor.belongsToAnotherLiveHost(Self.container(host: "\(HostInstance.hostname())-999999999")))
        #expect(!Janitor.belongsToAnotherLiveHost(Self.container(host: "some-other-machine-1234")))
    }
}
