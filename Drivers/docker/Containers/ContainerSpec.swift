import DriverKit
import DriverProtocol

/// Everything that goes into `POST /containers/create` for a session container.
struct ContainerSpec: Sendable, Equatable {
    enum WorkspaceMount: Sendable, Equatable {
        /// A pool slot, filled later by `WorkspaceSlots.attach` (propagates via rslave).
        case slot(hostPath: String)
        /// The session's workspace directly (cold create on a local engine).
        case direct(hostPath: String)
        /// Remote engine: the workspace cannot be shared; /workspace is a container-local tmpfs.
        case none
    }

    var image: String
    var memoryMB: Int
    var cpuShares: Int
    var pidsLimit: Int
    var network: Bool
    var workspace: WorkspaceMount
    struct Bind: Sendable, Equatable {
        var source: String
        var target: String
    }
    /// Extra read-only binds: the shared wheel cache for install containers.
    var readOnlyBinds: [Bind] = []
    /// Host path of the static cb-runner to bind read-only, or nil to use `runnerInImage`.
    var runnerHostPath: String?
    var runnerInImage: String = "/usr/local/bin/cb-runner"
    var labels: [String: String]
    var env: [String] = []
    var tmpfsMB: Int = 512

    static let runnerMountPoint = "/.codebeaker/cb-runner"
    /// Where `execute` stages code files: its own small tmpfs, so a program that fills /tmp (an accident as
    /// often as an attack) does not make the session's next executions fail to stage their code.
    static let execDir = "/.codebeaker/exec"

    var runnerPath: String { runnerHostPath == nil ? runnerInImage : Self.runnerMountPoint }

    var json: JSONValue {
        var mounts: [JSONValue] = []
        var tmpfs: JSONObject = [
            "/tmp": .string("rw,exec,nosuid,nodev,size=\(tmpfsMB)m,mode=1777"),
            Self.execDir: .string("rw,nosuid,nodev,noexec,size=16m,mode=1777"),
        ]
        switch workspace {
        case .slot(let path):
            mounts.append([
                "Type": "bind", "Source": .string(path), "Target": "/workspace",
                "BindOptions": ["Propagation": "rslave"],
            ])
        case .direct(let path):
            mounts.append(["Type": "bind", "Source": .string(path), "Target": "/workspace"])
        case .none:
            // Remote engine: the workspace lives in the container, sized like its memory (as /tmp once was).
            tmpfs["/workspace"] = .string("rw,exec,nosuid,nodev,size=\(min(max(memoryMB, 64), 1024))m,mode=1777")
        }
        for b in readOnlyBinds {
            mounts.append(["Type": "bind", "Source": .string(b.source), "Target": .string(b.target), "ReadOnly": true])
        }
        if let runnerHostPath {
            mounts.append([
                "Type": "bind", "Source": .string(runnerHostPath), "Target": .string(Self.runnerMountPoint),
                "ReadOnly": true,
            ])
        }
        let bytes = memoryMB * 1024 * 1024
        let host: JSONObject = [
            "NetworkMode": .string(network ? SessionBridge.name : "none"),
            "Memory": .int(bytes),
            "MemorySwap": .int(bytes),
            "CpuShares": .int(cpuShares),
            "PidsLimit": .int(pidsLimit),
            // The same per-process limits as the native sandboxes: open files, and the size of any one file.
            "Ulimits": [
                ["Name": "nofile", "Soft": 1024, "Hard": 1024],
                ["Name": "fsize", "Soft": .int(256 << 20), "Hard": .int(256 << 20)],
            ],
            "ReadonlyRootfs": true,
            "Tmpfs": .object(tmpfs),
            "Mounts": .array(mounts),
            // cb-runner (pid 1, uid 0) needs only these to fork runs as the session uid and kill them;
            // the runs themselves end up with no capabilities at all (setresuid to non-root clears them,
            // and no-new-privileges stops setuid binaries from regaining any).
            "CapDrop": ["ALL"],
            "CapAdd": ["SETUID", "SETGID", "KILL"],
            "SecurityOpt": ["no-new-privileges", .string(DockerSeccompProfile.securityOpt)],
            // The kernel's OOM killer takes session containers before the engine, the driver or the host.
            "OomScoreAdj": .int(Sandbox.sandboxOOMScoreAdj),
            "LogConfig": ["Type": "none", "Config": .object(JSONObject())],
            "IpcMode": "private",
        ]
        var labelObject = JSONObject()
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { labelObject[k] = .string(v) }
        var o: JSONObject = [
            "Image": .string(image),
            "Entrypoint": [.string(runnerPath)],
            "Cmd": .array([]),
            "User": "0:0",
            "WorkingDir": "/workspace",
            "Labels": .object(labelObject),
            "OpenStdin": true, "StdinOnce": false,
            "AttachStdin": true, "AttachStdout": true, "AttachStderr": true, "Tty": false,
            "NetworkDisabled": .bool(!network),
            "HostConfig": .object(host),
        ]
        if !env.isEmpty { o["Env"] = JSONValue(env) }
        return .object(o)
    }

    /// The body of `POST /containers/{id}/update` for new limits.
    /// `cpuQuotaPercent` > 0 adds a hard cap (CpuQuota per 100 ms CpuPeriod), as on the native sandboxes.
    static func updateBody(memoryMB: Int, cpuShares: Int, pidsLimit: Int, cpuQuotaPercent: Int = 0) -> JSONValue {
        let bytes = memoryMB * 1024 * 1024
        var o: JSONObject = [
            "Memory": .int(bytes), "MemorySwap": .int(bytes), "CpuShares": .int(cpuShares),
            "PidsLimit": .int(pidsLimit),
        ]
        if cpuQuotaPercent > 0 { o["CpuPeriod"] = 100_000; o["CpuQuota"] = .int(cpuQuotaPercent * 1000) }
        return .object(o)
    }
}
