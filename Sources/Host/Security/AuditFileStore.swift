import Glibc
import LinuxSystem

/// The audit log on disk: one file per UTC day, `audit-YYYY-MM-DD.jsonl`, mode 0600 in a 0700 directory,
/// appended with O_APPEND. Synchronous and single-threaded (the `AuditLog` writer thread owns it), so it
/// is tested directly with a temp dir and chosen days.
public struct AuditFileStore: Sendable {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var operation: String
        public var path: String
        public var code: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    public let directory: String
    public let retentionDays: Int
    private var fd: Int32 = -1
    private var openDay: Int?
    private var lastRetentionDay: Int?

    public init(directory: String, retentionDays: Int) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.retentionDays = retentionDays
    }

    public static func fileName(day: Int) -> String { "audit-\(UTCTime.dayString(day)).jsonl" }
    public func path(day: Int) -> String { directory + "/" + Self.fileName(day: day) }

    /// Appends `bytes` to the file of `day`, opening (and creating) it when the day changes or the open
    /// file was deleted under us. Runs the retention sweep once per day.
    public mutating func append(_ bytes: [UInt8], day: Int) throws(Failure) {
        if openDay != day || fd < 0 || fileWasUnlinked() {
            closeFile()
            try openFile(day: day)
        }
        if lastRetentionDay != day {
            lastRetentionDay = day
            deleteExpired(today: day)
        }
        let fd = self.fd
        if let failed = bytes.withUnsafeBytes({ p -> SystemError? in
            do throws(SystemError) { try FD.writeFully(fd, p); return nil } catch { return error }
        }) {
            let p = path(day: day)
            closeFile()  // reopen next time: the disk may have space again, the directory may be back
            throw Failure(operation: "write", path: p, code: failed.errno)
        }
    }

    /// Deletes `audit-YYYY-MM-DD.jsonl` files whose day is more than `retentionDays` before `today`.
    /// Other files in the directory are left alone. Returns the names deleted.
    @discardableResult
    public func deleteExpired(today: Int) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var deleted: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            guard name.hasPrefix("audit-"), name.hasSuffix(".jsonl"),
                let day = UTCTime.dayNumber(fromDayString: name.dropFirst(6).dropLast(6))
            else { continue }
            if today - day > retentionDays && unlink(directory + "/" + name) == 0 { deleted.append(name) }
        }
        return deleted.sorted()
    }

    public mutating func closeFile() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        openDay = nil
    }

    private mutating func openFile(day: Int) throws(Failure) {
        try Self.makeDirectories(directory)
        let p = path(day: day)
        let f: Int32
        do throws(SystemError) {
            f = try Syscall.call("open") { open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        } catch { throw Failure(operation: "open", path: p, code: error.errno) }
        _ = fchmod(f, 0o600)  // an existing file, or one created under a permissive umask
        fd = f
        openDay = day
    }

    private func fileWasUnlinked() -> Bool {
        var st = stat()
        return fstat(fd, &st) != 0 || st.st_nlink == 0
    }

    /// `mkdir -p`, creating missing components 0700; the leaf is forced to 0700.
    static func makeDirectories(_ path: String) throws(Failure) {
        var current = ""
        for comp in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + comp
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw Failure(operation: "mkdir", path: current, code: errno)
            }
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw Failure(operation: "stat", path: path, code: errno) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw Failure(operation: "mkdir", path: path, code: ENOTDIR) }
        if st.st_mode & 0o777 != 0o700 { _ = chmod(path, 0o700) }
    }
}
