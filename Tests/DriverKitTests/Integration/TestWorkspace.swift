import DriverKit
import DriverProtocol
import Foundation
import Glibc

/// A temporary workspace owned by a fresh unprivileged uid, as the host would prepare it.
struct TestWorkspace {
    let path: String
    let uid: Int

    init() {
        uid = 200_000 + Int.random(in: 0..<50_000)
        path = "/tmp/dk-ws-\(getpid())-\(uid)"
        mkdir(path, 0o700)
        chown(path, uid_t(uid), gid_t(uid))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func openParams(
        _ session: String, stateful: Bool = false, memoryMB: Int = 256, pids: Int = 64, network: Bool = false
    ) -> JSONValue {
        SessionOpenParams(
            session: session, workspace: path, language: "x",
            options: SessionOpenOptions(
                memoryLimitMB: memoryMB, pidsLimit: pids, network: network,
                stateful: stateful, uid: uid, gid: uid)
        ).json
    }
}
