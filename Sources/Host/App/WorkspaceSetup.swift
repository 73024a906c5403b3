/// Picks the workspace storage at startup: per-session volumes with a disk quota when this host can
/// make them (root, loop devices, mkfs.ext4), plain directories otherwise, with the reason logged.
enum WorkspaceSetup {
    static func storage(for config: ServerConfig, logger: Logger) async -> any WorkspaceStorage {
        let root = config.workspaceRoot
        do throws(WorkspaceError) { try WorkspaceRoot.makeDirectories(root) } catch {
            logger.warning("cannot create the workspace root", ["path": root, "error": error.message])
        }
        // The lock fd stays open for the life of the process.
        if WorkspaceRoot.lock(root) != nil {
            WorkspaceRoot.sweep(root, logger: logger)
        } else {
            logger.warning("another host holds \(root)/.lock; not removing stale workspaces")
        }
        guard config.workspaceQuotaMB > 0 else {
            logger.info("workspace quota off (workspaceQuotaMB is 0)")
            return DirectoryStorage()
        }
        var settings = VolumeStorage.Settings()
        settings.quotaMB = config.workspaceQuotaMB
        settings.maxFiles = config.workspaceMaxFiles
        settings.poolSize = config.workspaceVolumePool
        settings.minFreeMB = config.workspaceMinFreeMB
        switch await VolumeStorage.start(root: root, settings: settings, logger: logger) {
        case .success(let volumes):
            logger.info("workspace quota on: each session has its own \(settings.quotaMB) MB volume")
            return volumes
        case .failure(let error):
            logger.warning(
                "workspace quota off: \(error.message); workspaces are plain directories without a disk limit")
            return DirectoryStorage()
        }
    }
}
