import Foundation
import Glibc
import LinuxSystem
import Testing

@testable import Host

/// Real loop-mounted volumes: these need root, /dev/loop-control and mkfs.ext4 (CI has all three).
@Suite(.serialized) struct WorkspaceVolumeTests {
    static let canMount = geteuid() == 0 && access("/dev/loop-control", W_OK) == 0 && Ext4Volume.findMkfs() != nil

    struct Fixture {
        let root: String
        let storage: VolumeStorage

        init(quotaMB: Int = 32, poolSize: Int = 1, minFreeMB: Int = 0) async throws {
            root = "/tmp/cb-volume-tests/" + UUID().uuidString
            try WorkspaceRoot.makeDirectories(root)
            var settings = VolumeStorage.Settings()
            settings.quotaMB = quotaMB
            settings.maxFiles = 4096
            settings.poolSize = poolSize
            settings.minFreeMB = minFreeMB
            storage = try await VolumeStorage.start(root: root, settings: settings, logger: Logger("test")).get()
        }

        func workspace(_ name: String = "s_" + UUID().uuidString.prefix(8).lowercased()) -> Workspace {
            Workspace(root: root + "/" + name, uid: 100_123, gid: 100_123)
        }

        func provisioned(quotaMB: Int? = nil) async throws -> Workspace {
            let ws = workspace()
            try await storage.provision(ws, quotaMB: quotaMB)
            return ws
        }

        func cleanup() {
            storage.shutdown()
            for m in MountTable.current().mountPoints(below: root) { umount2(m, Int32(MNT_DETACH)) }
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Writes `mb` MB as the session uid would (a child process), returning how many MB got written.
    static func fill(_ dir: String, mb: Int) -> Int {
        let fd = open(dir + "/fill", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return -1 }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        for i in 0..<mb where chunk.withUnsafeBytes({ write(fd, $0.baseAddress!, $0.count) }) != chunk.count {
            return i
        }
        return fsync(fd) == 0 ? mb : mb - 1
    }

    static func sizeMB(_ path: String) -> Int {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return -1 }
        return (Int(fs.f_blocks) * Int(fs.f_frsize)) >> 20
    }

    @Test(.enabled(if: canMount, "needs root, /dev/loop-control and mkfs.ext4"))
    func aWorkspaceIsItsOwnVolumeOfTheQuotaSize() async throws {
        let f = try await Fixture(); defer { f.cleanup() }
        let ws = try await f.provisioned()
        let entry = try #require(MountTable.current().entry(at: ws.root))
        #expect(entry.fsType == "ext4")
        #expect(FD.directoryNames(ws.root).isEmpty)  // no lost+found
        var st = stat()
        #expect(stat(ws.root, &st) == 0 && st.st_uid == 100_123 && st.st_mode & 0o777 == 0o700)
        let totalMB = Self.sizeMB(ws.root)
        #expect(totalMB <= 32 && totalMB >= 28, "\(totalMB) MB")
        try await f.storage.release(ws)
        #expect(!MountTable.current().contains(ws.root))
        #expect(access(ws.root, F_OK) != 0)
        #expect(!FD.directoryNames(f.root + "/.volumes").contains { $0.hasPrefix("s_") })
    }

    @Test(.enabled(if: canMount, "needs root, /dev/loop-control and mkfs.ext4")) func writesStopAtTheQuotaEvenForRoot()
        async throws
    {
        let f = try await Fixture(); defer { f.cleanup() }
        let ws = try await f.provisioned()
        let written = Self.fill(ws.root, mb: 64)
        #expect(written >= 0 && written < 32, "wrote \(written) MB into a 32 MB volume")
        // The host's own writes fail cleanly too, and leave nothing half-written behind.
        #expect(throws: WorkspaceError.self) { try ws.write("more.bin", bytes: [UInt8](repeating: 1, count: 4 << 20)) }
        #expect(access(ws.root + "/more.bin", F_OK) != 0)
        try await f.storage.release(ws)
    }

    @Test(.enabled(if: canMount, "needs root, /dev/loop-control and mkfs.ext4"))
    func aFullWorkspaceKeepsTheOldContentOfAFailedOverwrite() async throws {
        let f = try await Fixture(); defer { f.cleanup() }
        let ws = try await f.provisioned()
        _ = try ws.write("keep.txt", content: "precious")
        _ = Self.fill(ws.root, mb: 64)
        do {
            _ = try ws.write("keep.txt", bytes: [UInt8](repeating: 2, count: 1 << 20))
            Issue.record("the overwrite should not fit")
        } catch {
            #expect(error.message.contains("workspace is full"))
        }
        #expect(try ws.read("keep.txt").content == "precious")
        #expect(!FD.directoryNames(ws.root).contains { $0.hasPrefix(".cb-tmp-") })
        try await f.storage.release(ws)
    }

    @Test(.enabled(if: canMount, "needs root, /dev/loop-control and mkfs.ext4")) func aSessionMayAskForLessButNotMore()
        async throws
    {
        let f = try await Fixture(quotaMB: 64); defer { f.cleanup() }
        let small = try await f.provisioned(quotaMB: 16), big = try await f.provisioned(quotaMB: 4096)
        #expect((12...16).contains(Self.sizeMB(small.root)))
        #expect((56...64).contains(Self.sizeMB(big.root)))
        try await f.storage.release(small)
        try await f.storage.release(big)
    }

    @Test(.enabled(if: canMount, "needs root, /dev/loop-control and mkfs.ext4"))
    func aNewWorkspaceIsRefusedWhenTheHostDiskIsNearlyFull() async throws {
        // More free space demanded than any test disk has: the refusal names the figures.
        let f = try await Fixture(minFreeMB: 1 << 30); defer { f.cleanup() }
        let ws = f.workspace()
        do {
            try await f.storage.provision(ws, quotaMB: nil)
            Issue.record("provisioned on a disk without the required free space")
        } catch {
            #expect(error.kind == .tooLarge && error.message.contains("MB free"), "\(error.message)")
        }
        #expect(access(ws.root, F_OK) != 0)
    }

    @Test(.enabled(if: canMount, "needs root, /dev/loop-control and mkfs.ext4"))
    func theSweepUnmountsAndRemovesWhatADeadHostLeft() async throws {
        let f = try await Fixture(); defer { f.cleanup() }
        let ws = try await f.provisioned()
        _ = try ws.write("x.txt", content: "left behind")
        // No release: as if the host was killed. A new host sweeps the root at startup.
        let removed = WorkspaceRoot.sweep(f.root, logger: Logger("test"))
        #expect(removed == 1)
        #expect(!MountTable.current().contains(ws.root))
        #expect(access(ws.root, F_OK) != 0)
        #expect(access(f.root + "/.volumes", F_OK) != 0)
    }

    @Test func startFailsWithAReasonWhereVolumesCannotBeMade() async {
        // /proc refuses mkdir: the storage reports why, and the host falls back to plain directories.
        let r = await VolumeStorage.start(root: "/proc/cb-no-such-root", settings: .init(), logger: Logger("test"))
        guard case .failure(let e) = r else { Issue.record("started on /proc"); return }
        #expect(!e.message.isEmpty)
        let fallback = await WorkspaceSetup.storage(
            for: {
                var c = ServerConfig(); c.workspaceRoot = "/proc/cb-no-such-root"; return c
            }(), logger: Logger("test"))
        #expect(fallback.quotaMB == nil)
    }

    @Test func theRootLockIsExclusive() throws {
        let root = "/tmp/cb-volume-tests/lock-" + UUID().uuidString
        try WorkspaceRoot.makeDirectories(root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try #require(WorkspaceRoot.lock(root))
        defer { close(first) }
        // flock locks belong to the open file description: a second open in this process conflicts too.
        #expect(WorkspaceRoot.lock(root) == nil)
    }
}

@Suite struct VolumePoolTests {
    @Test func formatsOneAtATimeUntilFull() {
        var pool = VolumePool(target: 2)
        #expect(pool.formatsToStart() == 1)
        #expect(pool.formatsToStart() == 0)  // one already running
        pool.formatFinished("a")
        #expect(pool.formatsToStart() == 1)
        pool.formatFinished("b")
        #expect(pool.formatsToStart() == 0)  // full
        #expect(pool.take() == "a")
        #expect(pool.formatsToStart() == 1)
    }

    @Test func aFailedFormatFreesTheSlot() {
        var pool = VolumePool(target: 1)
        #expect(pool.formatsToStart() == 1)
        pool.formatFinished(nil)
        #expect(pool.ready.isEmpty && pool.formatsToStart() == 1)
    }

    @Test func drainEmptiesIt() {
        var pool = VolumePool(target: 3)
        _ = pool.formatsToStart(); pool.formatFinished("x")
        #expect(pool.drain() == ["x"] && pool.take() == nil)
    }

    @Test func zeroTargetNeverFormats() {
        var pool = VolumePool(target: 0)
        #expect(pool.formatsToStart() == 0 && pool.take() == nil)
    }
}

@Suite struct MountTableTests {
    static let sample = """
        22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        80 22 7:0 / /tmp/ws/s_a rw,nosuid master:3 - ext4 /dev/loop0 rw
        81 80 7:1 / /tmp/ws/s_a/deep rw - ext4 /dev/loop1 rw
        82 22 0:50 / /tmp/with\\040space rw - tmpfs tmp\\134x rw
        83 22 7:2 / /tmp/ws2 rw - ext4 /dev/loop2 rw
        garbage line
        """

    @Test func parsesFieldsAndTags() throws {
        let t = MountTable(parsing: Self.sample)
        #expect(t.entries.count == 5)
        let root = try #require(t.entry(at: "/"))
        #expect(root.isShared && root.fsType == "ext4" && root.source == "/dev/vda")
        #expect(t.entry(at: "/tmp/ws/s_a")?.tags == ["master:3"])
        #expect(t.entry(at: "/tmp/ws/s_a")?.isShared == false)
    }

    @Test func unescapesOctal() {
        let t = MountTable(parsing: Self.sample)
        #expect(t.contains("/tmp/with space"))
        #expect(t.entry(at: "/tmp/with space")?.source == "tmp\\x")
    }

    @Test func mountPointsBelowAreDeepestFirstAndExcludeSiblingPrefixes() {
        let t = MountTable(parsing: Self.sample)
        #expect(t.mountPoints(below: "/tmp/ws") == ["/tmp/ws/s_a/deep", "/tmp/ws/s_a"])
        #expect(t.mountPoints(below: "/tmp/ws/") == ["/tmp/ws/s_a/deep", "/tmp/ws/s_a"])
    }
}
