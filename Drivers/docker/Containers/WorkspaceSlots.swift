import DriverKit

#if canImport(Glibc)
    import Glibc
#endif

/// Lets a container created ahead of time (the warm pool) see a workspace chosen later.
///
/// Each pool container bind-mounts its own empty slot directory `<root>/<slot>` at /workspace with
/// `rslave` propagation, and `<root>` is a shared mount. When a session takes the container, the driver
/// (root on the Docker host) bind-mounts the session's workspace onto the slot; the mount propagates into
/// that container only. Each container therefore sees exactly its own session's workspace, the same as a
/// direct bind mount. Needs CAP_SYS_ADMIN on a host that shares the engine's mount namespace (a local engine).
struct WorkspaceSlots: Sendable {
    let root: String

    static let defaultRoot = "/var/lib/codebeaker/docker-pool"

    /// Creates `root` and makes it a shared mount point (idempotent). Returns an error text when not possible.
    func prepare() -> String? {
        if let e = Self.mkdirs(root) { return e }
        if !Self.isSharedMount(root) {
            if mount(root, root, nil, UInt(MS_BIND), nil) != 0 { return "bind-mount \(root): \(errnoText())" }
            if mount(nil, root, nil, UInt(MS_SHARED | MS_REC), nil) != 0 {
                return "make \(root) shared: \(errnoText())"
            }
        }
        return nil
    }

    func path(_ slot: String) -> String { "\(root)/\(slot)" }

    func create(_ slot: String) -> String? {
        let p = path(slot)
        if mkdir(p, 0o755) != 0 && errno != EEXIST { return "mkdir \(p): \(errnoText())" }
        return nil
    }

    /// Shows `workspace` inside the container that mounts `slot`.
    func attach(workspace: String, to slot: String) -> String? {
        let p = path(slot)
        if mount(workspace, p, nil, UInt(MS_BIND), nil) != 0 {
            return "bind-mount \(workspace) on \(p): \(errnoText())"
        }
        return nil
    }

    /// Unmounts whatever is on the slot (lazily, so a busy container cannot block it) and removes it.
    func release(_ slot: String) {
        let p = path(slot)
        while umount2(p, Int32(MNT_DETACH)) == 0 {}
        rmdir(p)
    }

    /// Unmounts the (shared) root itself and removes it: the instance is done with its slots.
    func teardown() {
        while umount2(root, Int32(MNT_DETACH)) == 0 {}
        rmdir(root)
    }

    /// True if the slot currently shows a workspace (after a driver restart: re-adoption).
    func isAttached(_ slot: String) -> Bool {
        MountTable.current().contains(path(slot))
    }

    private static func mkdirs(_ path: String) -> String? {
        var cur = ""
        for part in path.split(separator: "/") {
            cur += "/" + part
            if mkdir(cur, 0o755) != 0 && errno != EEXIST { return "mkdir \(cur): \(errnoText())" }
        }
        return nil
    }

    private static func isSharedMount(_ path: String) -> Bool {
        MountTable.current().entry(at: path)?.isShared == true
    }
}
