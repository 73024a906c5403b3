import Glibc

/// Monotonic seconds for supervision timing; the state machines take these as `now` so tests can inject time.
public enum DriverClock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
