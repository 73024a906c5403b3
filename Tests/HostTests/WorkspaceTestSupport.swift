import Foundation
import Glibc
import Host

/// A fresh workspace directory per test, removed by the caller with `cleanup()`.
struct TempWorkspace {
    let dir: String
    let ws: Workspace

    init(limits: Workspace.Limits = Workspace.Limits()) {
        let base = "/tmp/cb-ws-tests"
        mkdir(base, 0o755)
        dir = base + "/" + UUID().uuidString
        mkdir(dir, 0o700)
        ws = Workspace(root: dir, limits: limits)
    }

    /// Writes directly on the host (as user code in the sandbox would), bypassing the workspace checks.
    func plant(_ relative: String, _ content: String) {
        FileManager.default.createFile(atPath: dir + "/" + relative, contents: Data(content.utf8))
    }

    func symlink(_ relative: String, to target: String) {
        _ = Glibc.symlink(target, dir + "/" + relative)
    }

    func hostContent(_ relative: String) -> String? {
        FileManager.default.contents(atPath: dir + "/" + relative).map { String(decoding: $0, as: UTF8.self) }
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: dir) }
}
