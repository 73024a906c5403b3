import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Workspaces with a disk quota: each session gets its own ext4 volume (see `Ext4Volume`) mounted at
/// `<root>/<sessionId>`. Images live in `<root>/.volumes` (0700); a small pool of formatted images keeps
/// mkfs off the `session.create` path, so creating a session costs one loop attach and one mount.
public final class VolumeStorage: WorkspaceStorage {
    public struct Settings: Sendable, Equatable {
        public var quotaMB = 1024
        public var maxFiles = 65_536
        public var poolSize = 4
        /// Host disk that must stay free beyond a new workspace's quota, or session.create is refused.
        public var minFreeMB = 1024
        public init() {}
    }

    static let imagesDirName = ".volumes"

    let root: String
    let imagesDir: String
    let settings: Settings
    let mkfs: String
    let logger: Logger
    private let pool: Mutex<VolumePool>
    private let counter = Atomic<Int>(0)

    public var quotaMB: Int? { settings.quotaMB }

    private init(root: String, settings: Settings, mkfs: String, logger: Logger) {
        self.root = root; self.settings = settings; self.mkfs = mkfs; self.logger = logger
        imagesDir = root + "/" + Self.imagesDirName
        pool = Mutex(VolumePool(target: settings.poolSize))
    }

    /// Checks that volumes work here by formatting and mounting the first pool image; on failure gives
    /// the reason, and the caller falls back to plain directories.
    public static func start(root: String, settings: Settings, logger: Logger) async -> Result<
        VolumeStorage, WorkspaceError
    > {
        guard geteuid() == 0 else { return .failure(WorkspaceError(.io, "needs root (loop devices and mount)")) }
        guard access("/dev/loop-control", R_OK | W_OK) == 0 else {
            return .failure(WorkspaceError(.io, "no /dev/loop-control"))
        }
        guard let mkfs = Ext4Volume.findMkfs() else {
            return .failure(WorkspaceError(.io, "mkfs.ext4 not found (install e2fsprogs)"))
        }
        let storage = VolumeStorage(root: root, settings: settings, mkfs: mkfs, logger: logger)
        do throws(WorkspaceError) {
            try WorkspaceRoot.makeDirectories(root)
            if mkdir(storage.imagesDir, 0o700) != 0 && errno != EEXIST {
                throw WorkspaceError(.io, "cannot create \(storage.imagesDir): \(Ext4Volume.errorText())")
            }
            let image = try await storage.formatNew(sizeMB: settings.quotaMB)
            let probe = storage.imagesDir + "/probe"
            mkdir(probe, 0o700)
            defer { rmdir(probe) }
            do throws(WorkspaceError) { try Ext4Volume.mount(image, at: probe) } catch {
                unlink(image)
                throw error
            }
            Ext4Volume.unmount(probe)
            storage.pool.withLock {
                _ = $0.formatsToStart(); $0.formatFinished(image)
            }
        } catch {
            return .failure(error)
        }
        storage.refill()
        return .success(storage)
    }

    public func provision(_ ws: Workspace, quotaMB: Int?) async throws(WorkspaceError) {
        let size = min(quotaMB ?? settings.quotaMB, settings.quotaMB)
        // Volumes are sparse, so quotas are not reserved up front; at least do not start a session that could
        // not fill its own quota without taking the host's last free space.
        if let free = WorkspaceRoot.freeBytes(imagesDir).map({ $0 >> 20 }), free < size + settings.minFreeMB {
            throw WorkspaceError(
                .tooLarge,
                "the server's workspace disk has \(free) MB free; a new \(size) MB workspace needs \(size + settings.minFreeMB) MB"
            )
        }
        let pooled = size == settings.quotaMB ? pool.withLock { $0.take() } : nil
        refill()
        let fresh: String
        if let pooled { fresh = pooled } else { fresh = try await formatNew(sizeMB: size) }
        let image = imagePath(for: ws)
        // Loop attach and mount are blocking syscalls: on the file threads.
        try await FileWorkPool.shared.runAlways { () -> Result<Void, WorkspaceError> in
            Result { () throws(WorkspaceError) in try Self.mount(fresh, as: image, on: ws) }
        }.get()
    }

    private static func mount(_ fresh: String, as image: String, on ws: Workspace) throws(WorkspaceError) {
        if rename(fresh, image) != 0 {
            let e = Ext4Volume.errorText()
            unlink(fresh)
            throw WorkspaceError(.io, "cannot claim a volume image: \(e)")
        }
        do throws(WorkspaceError) {
            if mkdir(ws.root, 0o700) != 0 {
                throw WorkspaceError(.io, "cannot create \(ws.root): \(Ext4Volume.errorText())")
            }
            try Ext4Volume.mount(image, at: ws.root)
            rmdir(ws.root + "/lost+found")  // mkfs makes it; clients should see an empty workspace
            if let uid = ws.uid, let gid = ws.gid, chown(ws.root, uid, gid) != 0 {
                throw WorkspaceError(.io, "cannot give the workspace to uid \(uid): \(Ext4Volume.errorText())")
            }
            chmod(ws.root, 0o700)
        } catch {
            Ext4Volume.unmount(ws.root)
            rmdir(ws.root)
            unlink(image)
            throw error
        }
    }

    /// On the file threads: unlinking a large image and the fallback delete are blocking file work.
    public func release(_ ws: Workspace) async throws(WorkspaceError) {
        let image = imagePath(for: ws)
        try await FileWorkPool.shared.runAlways { () -> Result<Void, WorkspaceError> in
            Result { () throws(WorkspaceError) in
                Ext4Volume.unmount(ws.root)
                // not a volume after all: delete the files
                if rmdir(ws.root) != 0 && errno != ENOENT { try ws.removeAll() }
                unlink(image)
            }
        }.get()
    }

    /// Deletes the ready images (server shutdown).
    public func shutdown() {
        for image in pool.withLock({ $0.drain() }) { unlink(image) }
    }

    private func imagePath(for ws: Workspace) -> String {
        imagesDir + "/" + (ws.root.split(separator: "/").last.map(String.init) ?? "unknown") + ".img"
    }

    private func formatNew(sizeMB: Int) async throws(WorkspaceError) -> String {
        let image = imagesDir + "/pool-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue).img"
        try await Ext4Volume.format(
            mkfs: mkfs, image: image, sizeMB: sizeMB, maxFiles: min(settings.maxFiles, sizeMB * 64))
        return image
    }

    /// Tops the pool up in the background, one image at a time.
    private func refill() {
        guard pool.withLock({ $0.formatsToStart() }) > 0 else { return }
        Task.detached { [self] in
            var made: String?
            do throws(WorkspaceError) { made = try await formatNew(sizeMB: settings.quotaMB) } catch {
                logger.warning("cannot format a workspace volume", ["error": error.message])
            }
            pool.withLock { $0.formatFinished(made) }
            if made != nil { refill() }
        }
    }
}
