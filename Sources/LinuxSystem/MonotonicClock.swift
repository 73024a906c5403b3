#if canImport(Glibc)
    import Glibc
#endif

/// The one reader of CLOCK_MONOTONIC, for durations, deadlines and timers (never wall-clock time, which can
/// jump). The same instant in the unit each caller works in.
public enum MonotonicClock: Sendable {
    public static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
    public static func nowMs() -> Int64 { Int64(nowNs() / 1_000_000) }
    /// Seconds with fraction.
    public static func now() -> Double { Double(nowNs()) / 1e9 }
}
