#if canImport(Glibc)
    import Glibc
#endif

/// ISO 8601 UTC timestamps (`2025-10-27T12:00:00Z`) without Foundation formatters.
public enum Timestamp: Sendable {
    public static func iso8601(seconds: Int, milliseconds: Int? = nil) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
        out += "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))"
        if let milliseconds { out += "." + pad(Int32(milliseconds), 3) }
        return out + "Z"
    }

    /// Wall-clock time as seconds since 1970 (with fraction).
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
