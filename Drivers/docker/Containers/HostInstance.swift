#if canImport(Glibc)
    import Glibc
#endif

/// Which host a container belongs to when several hosts share one Docker engine. The default instance is
/// `<hostname>-<host pid>`: stable while the host runs (driver restarts keep it, so re-adoption works) and
/// different for every host. When a host is gone for good, its containers belong to nobody: `isStale` lets
/// a later driver on the same machine remove them.
enum HostInstance {
    static func defaultName() -> String { "\(hostname())-\(getppid())" }

    static func hostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "host" }
        let name = String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "host" : name
    }

    /// The host pid in a default instance name of this machine, or nil for other machines and custom names.
    static func pid(in instance: String) -> Int32? {
        let prefix = hostname() + "-"
        guard instance.hasPrefix(prefix), let pid = Int32(instance.dropFirst(prefix.count)), pid > 1 else { return nil }
        return pid
    }

    /// True when `instance` names a host of this machine that no longer runs (no process with that pid, or one
    /// that is not a codebeaker binary). Custom instance names are never stale.
    static func isStale(_ instance: String) -> Bool {
        guard let pid = pid(in: instance) else { return false }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(pid)/exe", &buf, buf.count - 1)
        if n < 0 { return errno == ENOENT }
        let exe = String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let base = exe.split(separator: "/").last.map(String.init) ?? exe
        return !base.hasPrefix("codebeaker")
    }
}
